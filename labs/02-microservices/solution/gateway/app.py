"""The prediction gateway: POST /predict -> features -> model -> answer.

Run: python -m uvicorn gateway.app:app --port 8100
"""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from pydantic import BaseModel, Field

from gateway import config
from gateway.clients import Downstream, MonitoringReporter, Unavailable, deadline_from_now


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # No retries, no unbounded waits in the client itself: see resilience.call_with_retries.
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    async with httpx.AsyncClient(limits=limits, timeout=5.0) as client:
        app.state.downstream = Downstream(client, random.Random())
        app.state.monitoring = MonitoringReporter(client)
        app.state.monitoring.start()
        yield
        await app.state.monitoring.stop()


app = FastAPI(title="prediction gateway", lifespan=lifespan)


class PredictRequest(BaseModel):
    entity_id: str = Field(min_length=1, max_length=200)


def fallback(entity_id: str, reason: str) -> dict:
    """The degraded default: the population base rate, clearly marked as such."""
    return {
        "entity_id": entity_id,
        "score": config.FALLBACK_SCORE,
        "model_version": "fallback",
        "degraded": True,
        "reason": reason,
    }


@app.get("/health")
async def health() -> dict:
    return {"status": "ok"}


@app.post("/predict")
async def predict(request: PredictRequest) -> dict:
    started = time.monotonic()
    deadline = deadline_from_now()
    downstream: Downstream = app.state.downstream
    try:
        features = await downstream.features(request.entity_id, deadline)
        scored = await downstream.score(features, deadline)
        answer = {
            "entity_id": request.entity_id,
            "score": scored["score"],
            "model_version": scored["model_version"],
            "degraded": False,
            "reason": None,
        }
    except Unavailable as exc:
        answer = fallback(request.entity_id, str(exc))
    app.state.monitoring.report(
        answer | {"latency_ms": round(1000 * (time.monotonic() - started), 1)}
    )
    return answer
