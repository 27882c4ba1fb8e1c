"""The monitoring service (owned by the observability team, not by you).

`POST /records` stores one prediction record for drift and quality dashboards.
It is NOT idempotent: every call appends a record, so a record sent twice is
counted twice (the dashboards then show traffic and score shifts that never
happened).  `GET /stored?entity_id=...` lists the stored records of one entity (a separate
path, so reading records never counts as a call to `POST /records`).

The grader wraps the app in `FaultInjection` (latency, errors, outage, call counts).
"""

from __future__ import annotations

from fastapi import FastAPI

from grader.support.faults import FaultInjection

api = FastAPI(title="monitoring service")
RECORDS: list[dict] = []


@api.get("/health")
async def health() -> dict:
    return {"status": "ok"}


@api.post("/records", status_code=201)
async def add_record(record: dict) -> dict:
    RECORDS.append(record)
    return {"stored": len(RECORDS)}


@api.get("/stored")
async def records(entity_id: str | None = None) -> dict:
    found = [r for r in RECORDS if entity_id is None or r.get("entity_id") == entity_id]
    return {"count": len(found), "records": found[-100:]}


app = FaultInjection(api, seed=3)
