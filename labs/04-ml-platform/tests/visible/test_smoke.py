"""Visible smoke tests: the gateway starts, ingests order events and predicts.

Run them with `labgrade check 04`.  They use the grader's fixtures (`services`).
Passing them does not mean the system is correct: the hidden checks compare served
features with the definitions, move the `@champion` alias, try bad promotions and
read the request log.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

NAMES = {"orders_30m", "mean_prep_60m", "log_orders_24h", "items_2h"}
T = 1_900_000_000.0


@pytest.fixture
def http(services):
    with httpx.Client(base_url=services.url("gateway"), timeout=20) as client:
        yield client


def restaurant() -> str:
    return f"smoke-{uuid.uuid4().hex[:10]}"


def test_health(http):
    assert http.get("/health").status_code == 200, "GET /health must answer 200"


def test_event_then_prediction(http):
    rid = restaurant()
    r = http.post(
        "/events", json={"restaurant_id": rid, "event_time": T, "prep_s": 540.0, "items": 2}
    )
    assert r.status_code == 201, f"POST /events answered {r.status_code}: {r.text[:200]}"
    r = http.post("/predict", json={"restaurant_id": rid, "request_time": T + 60})
    assert r.status_code == 200, f"POST /predict answered {r.status_code}: {r.text[:200]}"
    body = r.json()
    assert isinstance(body.get("eta_minutes"), float), f"no eta_minutes in {body}"
    assert set(body.get("features", {})) >= NAMES, f"the served features must include {NAMES}"
    assert body["features"]["orders_30m"] == 1, "one order 60 s ago is one order in 30 minutes"


def test_prediction_without_request_time(http):
    r = http.post("/predict", json={"restaurant_id": "r01"})
    assert r.status_code == 200, "request_time is optional: it defaults to now"


def test_model_and_request_log_answer(http):
    assert http.get("/model").status_code == 200, "GET /model must answer 200"
    r = http.get("/requests", params={"limit": 5})
    assert r.status_code == 200 and isinstance(r.json().get("requests"), list)
