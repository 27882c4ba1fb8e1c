"""The prediction gateway (variant partial: timeouts, deadline, fallback and background
monitoring fixed; the two retry layers and the breaker are still the starter's)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from pydantic import BaseModel, Field

from gateway import config
from gateway.clients import ServiceClient, timeouts
from gateway.resilience import CircuitBreaker, retry

features = ServiceClient(config.FEATURES_URL, "feature service", timeouts()["features"])
model = ServiceClient(config.MODEL_URL, "model service", timeouts()["model"])
monitoring = ServiceClient(config.MONITORING_URL, "monitoring service", timeouts()["monitoring"])
model_breaker = CircuitBreaker(config.BREAKER_FAILURES, config.BREAKER_RESET_S)
background: set[asyncio.Task] = set()


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


async def _score(entity_id: str) -> dict:
    body = await retry(lambda: features.request("GET", f"/features/{entity_id}"))
    if not model_breaker.allow():
        raise RuntimeError("model service circuit open")
    try:
        scored = await retry(
            lambda: model.request("POST", "/predict", json={"features": body["features"]})
        )
    except Exception:
        model_breaker.record_failure()
        raise
    model_breaker.record_success()
    return scored


async def _report(record: dict) -> None:
    with contextlib.suppress(Exception):  # not idempotent: never retried
        await monitoring.send_once("POST", "/records", json=record)


@app.post("/predict")
async def predict(request: PredictRequest) -> dict:
    started = time.monotonic()
    try:
        async with asyncio.timeout(config.DEADLINE_S):
            scored = await _score(request.entity_id)
        answer = {
            "entity_id": request.entity_id,
            "score": scored["score"],
            "model_version": scored["model_version"],
            "degraded": False,
            "reason": None,
        }
    except Exception as exc:
        answer = {
            "entity_id": request.entity_id,
            "score": config.FALLBACK_SCORE,
            "model_version": "fallback",
            "degraded": True,
            "reason": str(exc) or type(exc).__name__,
        }
    record = answer | {"latency_ms": round(1000 * (time.monotonic() - started), 1)}
    task = asyncio.create_task(_report(record))
    background.add(task)
    task.add_done_callback(background.discard)
    return answer
