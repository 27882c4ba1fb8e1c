"""The serving gateway: order events in, ETA predictions out, promotions through the gate.

Run with `python -m uvicorn mlplat.gateway:app --port PORT`.  Times are epoch seconds.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pandas as pd
from fastapi import FastAPI, HTTPException
from mlplat import config, offline, registry, sdk
from mlplat.online import OnlineStore
from mlplat.requestlog import RequestLog
from mlplat.serving import ChampionFollower
from mlplat.spec import feature_names
from pydantic import BaseModel, Field

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
log = logging.getLogger("mlplat.gateway")

store = OnlineStore()
follower = ChampionFollower()
_state: dict[str, Any] = {}


def bootstrap() -> None:
    """First deployment: train and promote a model if nothing is `@champion` yet."""
    if registry.champion_version() is None:
        trained = sdk.train()
        sdk.promote(config.MODEL, trained["version"])
        log.info("bootstrapped %s version %s", config.full_name(), trained["version"])


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    conn = offline.connect()
    _state["offline"] = conn
    log.info("online store warmed with %d events", store.load(offline.all_events(conn)))
    _state["log"] = RequestLog(config.request_log_db())
    bootstrap()
    follower.start()
    yield
    follower.stop()
    conn.close()


app = FastAPI(title="mlplat gateway", lifespan=lifespan)


class EventIn(BaseModel):
    restaurant_id: str = Field(min_length=1, max_length=200)
    event_time: float
    prep_s: float = Field(gt=0, description="preparation time in seconds")
    items: int = Field(ge=1)


class PredictIn(BaseModel):
    restaurant_id: str = Field(min_length=1, max_length=200)
    request_time: float | None = Field(default=None, description="defaults to now")


class PromoteIn(BaseModel):
    model: str = config.MODEL
    version: str


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}


@app.post("/events", status_code=201)
def post_event(event: EventIn) -> dict:
    offline.insert_event(
        _state["offline"], event.restaurant_id, event.event_time, event.prep_s, event.items
    )
    store.add(event.restaurant_id, event.event_time, event.prep_s, event.items)
    return {"ok": True}


@app.post("/predict")
def predict(body: PredictIn) -> dict:
    deployed = follower.deployed
    if deployed is None:
        raise HTTPException(503, "no model is deployed yet")
    request_time = time.time() if body.request_time is None else body.request_time
    features = store.features(body.restaurant_id, request_time)
    frame = pd.DataFrame([features], columns=feature_names())
    answer = {
        "request_id": str(uuid.uuid4()),
        "request_time": request_time,
        "restaurant_id": body.restaurant_id,
        "model_version": deployed.version,
        "features": features,
        "eta_minutes": float(deployed.estimator.predict(frame)[0]),
    }
    _state["log"].write(answer)
    return answer


@app.get("/requests")
def requests(restaurant_id: str | None = None, limit: int = 1000) -> dict:
    return {"requests": _state["log"].read(restaurant_id, limit)}


@app.get("/model")
def model() -> dict:
    deployed = follower.deployed
    return {"model": config.MODEL, "version": deployed.version if deployed else None}


@app.post("/promote")
def promote(body: PromoteIn) -> dict:
    try:
        return sdk.promote(body.model, body.version)
    except sdk.PromotionRefused as exc:
        raise HTTPException(409, str(exc)) from exc
