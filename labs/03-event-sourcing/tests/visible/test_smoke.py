"""Visible smoke tests: the system starts, accepts events and answers simple questions.

Run them with `labgrade check 03`.  They use the same fixtures as the hidden checks
(`services`, provided by the grader's pytest plugin).  Passing them does not mean
the system is correct: the hidden checks crash the projector, send late events and
build training sets.
"""

from __future__ import annotations

import time
import uuid

import httpx
import pytest


@pytest.fixture
def http(services):
    with httpx.Client(base_url=services.url("api"), timeout=15) as client:
        yield client


def new_account() -> str:
    return f"smoke-{uuid.uuid4().hex[:12]}"


def post(http, account_id: str, type_: str, amount: int, event_time: float) -> dict:
    r = http.post(
        "/events",
        json={"account_id": account_id, "type": type_, "amount": amount, "event_time": event_time},
    )
    assert r.status_code // 100 == 2, f"POST /events answered {r.status_code}: {r.text[:200]}"
    assert "event_id" in r.json(), "POST /events must return the new event's event_id"
    return r.json()


def wait_for(http, account_id: str, n_events: int, timeout_s: float = 10) -> dict:
    """The projection is eventually consistent: poll until it shows n_events events."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        r = http.get(f"/accounts/{account_id}")
        if r.status_code == 200 and r.json()["n_events"] >= n_events:
            return r.json()
        time.sleep(0.05)
    raise AssertionError(
        f"account {account_id} did not show {n_events} event(s) within {timeout_s} s: "
        "is the projector running and consuming the topic?"
    )


def test_health(http):
    assert http.get("/health").status_code == 200, "GET /health must answer 200"


def test_posted_events_are_projected(http):
    acc = new_account()
    now = time.time()
    post(http, acc, "deposit", 10_000, now)
    post(http, acc, "withdrawal", 2_500, now + 1)
    post(http, acc, "fee", 100, now + 2)
    state = wait_for(http, acc, 3)
    assert state["balance"] == 7_400, f"balance should be 10000 - 2500 - 100, got {state}"
    assert state["n_events"] == 3
    listed = {a["account_id"]: a for a in http.get("/accounts").json()["accounts"]}
    assert listed.get(acc, {}).get("balance") == 7_400, "GET /accounts must list every account"


def test_unknown_account_is_404(http):
    assert http.get(f"/accounts/{new_account()}").status_code == 404


def test_as_of_in_order(http):
    """Events that happen and arrive in order: the simple case of "as of T"."""
    acc = new_account()
    post(http, acc, "deposit", 500, time.time())
    wait_for(http, acc, 1)
    between = time.time()
    time.sleep(0.05)
    post(http, acc, "deposit", 200, time.time())
    wait_for(http, acc, 2)
    then = http.get(f"/accounts/{acc}", params={"as_of": between}).json()
    assert (then["balance"], then["n_events"]) == (500, 1), f"state as of T was {then}"
    now = http.get(f"/accounts/{acc}", params={"as_of": time.time()}).json()
    assert (now["balance"], now["n_events"]) == (700, 2), f"state as of now was {now}"


def test_training_set_shape(http):
    acc = new_account()
    t = time.time()
    post(http, acc, "deposit", 900, t)
    wait_for(http, acc, 1)
    labels = [{"account_id": acc, "label_ts": t + 5, "label": 1}]
    r = http.post("/training-set", json={"labels": labels, "ttl_s": 3600})
    assert r.status_code == 200, f"POST /training-set answered {r.status_code}"
    (row,) = r.json()["rows"]
    assert row["account_id"] == acc and row["label"] == 1
    assert (row["balance"], row["n_events"], row["feature_ts"]) == (900, 1, t), row
