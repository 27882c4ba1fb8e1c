"""Visible smoke tests: the gateway starts, scores with the real model and reports.

Run them with `labgrade check 02`.  They use the same fixtures as the hidden checks
(`services`, and `faults` for the support services' switches).  All of them run
with healthy dependencies: passing them says nothing about timeouts, retries or
the circuit breaker.  Write your own fault tests with the `faults` fixture (see the
README) or flip the switches by hand.
"""

from __future__ import annotations

import time
import uuid

import httpx
import pytest


@pytest.fixture
def http(services):
    with httpx.Client(base_url=services.url("gateway"), timeout=10) as client:
        yield client


def entity() -> str:
    return f"smoke-{uuid.uuid4().hex[:10]}"


def test_health(http):
    assert http.get("/health").status_code == 200, "GET /health must answer 200"


def test_prediction_is_the_models_score(http, services):
    eid = entity()
    r = http.post("/predict", json={"entity_id": eid})
    assert r.status_code == 200, f"POST /predict answered {r.status_code}: {r.text[:200]}"
    body = r.json()
    # What the two services say, asked directly.
    features = httpx.get(f"{services.url('features')}/features/{eid}").json()["features"]
    want = httpx.post(f"{services.url('model')}/predict", json={"features": features}).json()
    assert body.get("entity_id") == eid, f"the answer should carry the entity_id: {body}"
    assert body.get("score") == want["score"], f"score {body.get('score')} != model's {want}"
    assert body.get("model_version") == want["model_version"], body
    assert body.get("degraded") is False, f"a healthy answer has degraded: false: {body}"


def test_invalid_request_is_422(http):
    assert http.post("/predict", json={}).status_code == 422


def test_prediction_reaches_monitoring(http, services):
    eid = entity()
    assert http.post("/predict", json={"entity_id": eid}).status_code == 200
    deadline = time.monotonic() + 3
    count = 0
    while time.monotonic() < deadline:
        count = httpx.get(f"{services.url('monitoring')}/stored", params={"entity_id": eid}).json()[
            "count"
        ]
        if count:
            break
        time.sleep(0.1)
    assert count == 1, f"monitoring stored {count} record(s) for one prediction, expected 1"
