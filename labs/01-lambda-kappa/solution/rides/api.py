"""The API: ride intake, the serving layer's feature queries, and the two view-building jobs.

Run with `python -m uvicorn rides.api:app --port PORT`.  Times are epoch seconds,
dates are ISO dates (UTC), positions in the log are Kafka offsets.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Body, Depends, FastAPI, HTTPException, Query
from pydantic import BaseModel, Field

from rides import batch, reprocess, serving, store, topics
from rides.events import Ride, date_of_day, day_of, day_of_date
from rides.producer import RidePublisher

_publisher: RidePublisher | None = None
_jobs = threading.Lock()  # one view-building job at a time


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    global _publisher
    topics.ensure_topic()
    store.connect(create=True).close()  # schema and the empty first view version
    _publisher = RidePublisher()
    yield
    _publisher.close()


app = FastAPI(title="rides", lifespan=lifespan)


def db() -> Iterator[sqlite3.Connection]:
    conn = store.connect()
    try:
        yield conn
    finally:
        conn.close()


Db = Annotated[sqlite3.Connection, Depends(db)]  # one connection per request


class RideIn(BaseModel):
    user_id: str = Field(min_length=1, max_length=200)
    event_time: float = Field(description="when the ride happened, epoch seconds")


class PublishIn(BaseModel):
    watermark: dict[int, int] | None = Field(
        default=None,
        description="per partition, the first offset the batch view does NOT cover;"
        " default: everything in the master dataset",
    )


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}


@app.post("/events", status_code=201)
def post_event(body: RideIn) -> dict:
    """Append a ride to the log.  201 means the broker has acknowledged it."""
    ride = Ride.new(body.user_id, body.event_time)
    assert _publisher is not None
    try:
        partition, offset = _publisher.publish(ride)
    except RuntimeError as exc:
        raise HTTPException(503, str(exc)) from exc
    return {"event_id": ride.event_id, "partition": partition, "offset": offset}


@app.get("/features/{user_id}")
def get_features(
    user_id: str,
    conn: Db,
    days: Annotated[int, Query(ge=1, le=3650)] = 7,
    date: dt.date | None = None,
) -> dict:
    """Rides of the user on the `days` days ending with `date` (default: today, UTC)."""
    day = day_of_date(date) if date is not None else day_of(time.time())
    answer = serving.features(conn, user_id, day, days)
    return {"user_id": user_id, "date": date_of_day(day).isoformat(), "days": days} | answer


@app.get("/status")
def get_status(conn: Db) -> dict:
    return serving.status(conn)


@app.post("/batch/publish")
def publish_batch(conn: Db, body: Annotated[PublishIn | None, Body()] = None) -> dict:
    with _jobs:
        return batch.publish(conn, body.watermark if body else None)


@app.post("/reprocess")
def run_reprocess(conn: Db) -> dict:
    with _jobs:
        return reprocess.reprocess(conn)
