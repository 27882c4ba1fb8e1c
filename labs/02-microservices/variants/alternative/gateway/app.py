"""The prediction gateway (alternative variant: synchronous, thread pool)."""

from __future__ import annotations

import time

import httpx
from fastapi import FastAPI
from pydantic import BaseModel, Field

from gateway import config
from gateway.clients import Dependency, NoAnswer, Reporter

http = httpx.Client(limits=httpx.Limits(max_connections=100, max_keepalive_connections=40))
features = Dependency(http, "features", config.FEATURES_TIMEOUT_S)
model = Dependency(http, "model", config.MODEL_TIMEOUT_S)
reporter = Reporter(http)

app = FastAPI(title="prediction gateway (alternative)")


class PredictRequest(BaseModel):
    entity_id: str = Field(min_length=1, max_length=200)


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}


@app.post("/predict")
def predict(request: PredictRequest) -> dict:
    t0 = time.monotonic()
    deadline = t0 + config.DEADLINE_S
    try:
        feats = features.call(
            "GET", f"{config.FEATURES_URL}/features/{request.entity_id}", deadline
        )
        out = model.call(
            "POST", f"{config.MODEL_URL}/predict", deadline, {"features": feats["features"]}
        )
        answer = {
            "entity_id": request.entity_id,
            "score": out["score"],
            "model_version": out["model_version"],
            "degraded": False,
            "reason": None,
        }
    except NoAnswer as why:
        answer = {
            "entity_id": request.entity_id,
            "score": config.FALLBACK_SCORE,
            "model_version": "fallback",
            "degraded": True,
            "reason": str(why),
        }
    reporter.put(answer | {"latency_ms": round((time.monotonic() - t0) * 1000, 1)})
    return answer
