"""Visible smoke tests: the system starts, takes rides and serves features.

Run them with `labgrade check 01`.  They use the same fixtures as the hidden checks
(`services`, provided by the grader's pytest plugin).  Passing them does not mean the
system is correct: the hidden checks cut batch views at awkward places, send rides
late and read features while views are rebuilt.
"""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

DAY_S = 86_400


@pytest.fixture
def http(services):
    with httpx.Client(base_url=services.url("api"), timeout=30) as client:
        yield client


def new_user() -> str:
    return f"smoke-{uuid.uuid4().hex[:12]}"


def today_iso() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime())


def post(http, user: str, event_time: float) -> dict:
    r = http.post("/events", json={"user_id": user, "event_time": event_time})
    assert r.status_code // 100 == 2, f"POST /events answered {r.status_code}: {r.text[:200]}"
    body = r.json()
    for key in ("event_id", "partition", "offset"):
        assert key in body, f"POST /events must answer {key!r}, got {body}"
    return body


def rides_today(http, user: str) -> dict:
    r = http.get(f"/features/{user}", params={"date": today_iso(), "days": 1})
    assert r.status_code == 200, f"GET /features/{user} answered {r.status_code}: {r.text[:200]}"
    return r.json()


def wait_for(http, user: str, n: int, timeout_s: float = 10) -> dict:
    """The speed layer is eventually consistent: poll until the feature shows n rides."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        answer = rides_today(http, user)
        if answer["rides"] >= n:
            return answer
        time.sleep(0.05)
    raise AssertionError(
        f"user {user} did not show {n} ride(s) today within {timeout_s} s: is the speed "
        "layer (python -m rides.speed) running and consuming the topic?"
    )


def test_health(http):
    assert http.get("/health").status_code == 200, "GET /health must answer 200"


def test_rides_show_up_in_features(http):
    user = new_user()
    now = time.time()
    for k in range(3):
        post(http, user, now - k)
    answer = wait_for(http, user, 3)
    assert answer["rides"] == 3, f"3 rides were posted today, the feature says {answer}"
    for key in ("user_id", "date", "days", "rides", "from_batch", "from_speed", "version"):
        assert key in answer, f"GET /features must answer {key!r}, got {answer}"


def test_unknown_user_has_no_rides(http):
    assert rides_today(http, new_user())["rides"] == 0


def test_status_shape(http):
    r = http.get("/status")
    assert r.status_code == 200, f"GET /status answered {r.status_code}"
    body = r.json()
    for key in ("version", "kind", "watermark", "speed"):
        assert key in body, f"GET /status must answer {key!r}, got {body}"


def test_batch_publish_keeps_the_answers(http):
    user = new_user()
    now = time.time()
    post(http, user, now)
    post(http, user, now - 1)
    wait_for(http, user, 2)
    r = http.post("/batch/publish", json={})
    assert r.status_code == 200, f"POST /batch/publish answered {r.status_code}: {r.text[:200]}"
    published = r.json()
    assert {"version", "watermark", "events"} <= set(published), published
    answer = rides_today(http, user)
    assert answer["rides"] == 2, (
        f"after publishing a batch view of the whole master dataset the user has {answer}; "
        "2 rides were posted"
    )
    assert answer["version"] == published["version"], (
        f"the feature was served from version {answer['version']}, the publish made "
        f"{published['version']} live"
    )


def test_reprocess_answers(http):
    r = http.post("/reprocess", timeout=60)
    assert r.status_code == 200, f"POST /reprocess answered {r.status_code}: {r.text[:200]}"
    body = r.json()
    for key in ("version", "from_offsets", "to_offsets", "events"):
        assert key in body, f"POST /reprocess must answer {key!r}, got {body}"
