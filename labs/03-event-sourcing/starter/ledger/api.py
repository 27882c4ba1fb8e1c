"""The query API: accept events into the log, answer questions from the projection.

Run with `python -m uvicorn ledger.api:app --port PORT`.  Times are epoch seconds
(floats), money is integer cents.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel, Field

from ledger import store, topics
from ledger.events import Event
from ledger.producer import EventPublisher
from ledger.training import Label, build_training_set

_publisher: EventPublisher | None = None


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    global _publisher
    topics.ensure_topic()
    store.connect(create=True).close()  # so reads work before the first event
    _publisher = EventPublisher()
    yield
    _publisher.close()


app = FastAPI(title="ledger", lifespan=lifespan)


def db() -> Iterator[sqlite3.Connection]:
    conn = store.connect()
    try:
        yield conn
    finally:
        conn.close()


Db = Annotated[sqlite3.Connection, Depends(db)]  # one connection per request


class EventIn(BaseModel):
    account_id: str = Field(min_length=1, max_length=200)
    type: Literal["deposit", "withdrawal", "fee"]
    amount: int = Field(gt=0, description="integer cents")
    event_time: float = Field(description="when it happened, epoch seconds")


class LabelIn(BaseModel):
    account_id: str
    label_ts: float
    label: int


class TrainingSetIn(BaseModel):
    labels: list[LabelIn]
    ttl_s: float = Field(gt=0)


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}


@app.post("/events", status_code=201)
def post_event(body: EventIn) -> dict:
    """Append an event to the log.  201 means the broker has acknowledged it."""
    event = Event.new(body.account_id, body.type, body.amount, body.event_time)
    assert _publisher is not None
    try:
        partition, offset = _publisher.publish(event)
    except RuntimeError as exc:
        raise HTTPException(503, str(exc)) from exc
    return {"event_id": event.event_id, "partition": partition, "offset": offset}


@app.get("/accounts")
def list_accounts(conn: Db) -> dict:
    return {"accounts": [s.to_dict() for s in store.list_accounts(conn)]}


@app.get("/accounts/{account_id}")
def get_account(account_id: str, conn: Db, as_of: float | None = None) -> dict:
    """Current state, or the state as of `as_of` (epoch seconds) when given."""
    if as_of is not None:
        return store.as_of(conn, account_id, as_of).to_dict() | {"as_of": as_of}
    state = store.get_account(conn, account_id)
    if state is None:
        raise HTTPException(404, f"no events for account {account_id}")
    return state.to_dict()


@app.post("/training-set")
def training_set(body: TrainingSetIn, conn: Db) -> dict:
    labels = [Label(lb.account_id, lb.label_ts, lb.label) for lb in body.labels]
    return {"rows": build_training_set(conn, labels, body.ttl_s)}
