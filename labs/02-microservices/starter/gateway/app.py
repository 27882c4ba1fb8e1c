"""The prediction gateway: POST /predict -> features -> model -> answer.

Run: python -m uvicorn gateway.app:app --port 8100
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

from gateway import config
from gateway.clients import ServiceClient
from gateway.resilience import CircuitBreaker, retry

features = ServiceClient(config.FEATURES_URL, "feature service")
model = ServiceClient(config.MODEL_URL, "model service")
monitoring = ServiceClient(config.MONITORING_URL, "monitoring service")
model_breaker = CircuitBreaker(config.BREAKER_FAILURES, config.BREAKER_RESET_S)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    for client in (features, model, monitoring):
        await client.close()


app = FastAPI(title="prediction gateway", lifespan=lifespan)


class PredictRequest(BaseModel):
    entity_id: str = Field(min_length=1, max_length=200)


@app.get("/health")
async def health() -> dict:
    return {"status": "ok"}


@app.post("/predict")
async def predict(request: PredictRequest) -> dict:
    started = time.monotonic()
    body = await retry(lambda: features.request("GET", f"/features/{request.entity_id}"))

    if not model_breaker.allow():
        raise HTTPException(503, "model service circuit open")
    try:
        scored = await retry(
            lambda: model.request("POST", "/predict", json={"features": body["features"]})
        )
    except Exception:
        model_breaker.record_failure()
        raise
    model_breaker.record_success()

    answer = {
        "entity_id": request.entity_id,
        "score": scored["score"],
        "model_version": scored["model_version"],
        "degraded": False,
        "reason": None,
    }
    # Every prediction must reach monitoring, so make sure it got there.
    record = answer | {"latency_ms": round(1000 * (time.monotonic() - started), 1)}
    await retry(lambda: monitoring.request("POST", "/records", json=record))
    return answer
