"""The feature service (owned by the data platform team, not by you).

`GET /features/{entity_id}` returns the online features of one customer.  The values
are a deterministic function of the id, so every run sees the same features.

The grader wraps the app in `FaultInjection`: it can make this service slow, make it
answer errors, or take it down, and it counts the calls it receives.  Read this code
if you like; the grader always runs the instructor's copy.
"""

from __future__ import annotations

import hashlib

from fastapi import FastAPI

from grader.support.faults import FaultInjection

api = FastAPI(title="feature service")


def features_of(entity_id: str) -> dict[str, float]:
    digest = hashlib.sha256(entity_id.encode()).digest()
    return {
        "txn_count_7d": float(digest[0] % 40),
        "avg_amount_30d": round(5 + digest[1] * 1.7, 2),
        "account_age_days": float(30 + digest[2] * 7),
        "chargebacks_90d": float(digest[3] % 3),
    }


@api.get("/health")
async def health() -> dict:
    return {"status": "ok"}


@api.get("/features/{entity_id}")
async def features(entity_id: str) -> dict:
    return {"entity_id": entity_id, "features": features_of(entity_id)}


app = FaultInjection(api, seed=1)
