"""Trusted helpers for the hidden checks of lab 01: the oracle and patient polling.

The oracle is written from the lab's definition, independently of any solution: the
rides feature of a user for the window of `days` days ending with day D is the
number of that user's rides whose event time falls on a UTC day in [D - days + 1, D],
counted by brute force over every ride posted (or read back from the topic).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import httpx
from confluent_kafka import Consumer, TopicPartition

TOPIC = "rides"
DAY_S = 86_400


def day_of(t: float) -> int:
    return int(t // DAY_S)


def iso(day: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(day * DAY_S))


def today() -> int:
    return day_of(time.time())


def all_time() -> tuple[int, int]:
    """A window that holds every ride of the last 50 days and today, whatever day a
    layer files it under (used where the day a ride is counted on is not the point)."""
    return today() + 2, 60


def new_user(tag: str) -> str:
    """A fresh user id, so tests (and hypothesis examples) never share state."""
    return f"{tag}-{uuid.uuid4().hex[:12]}"


def brute_count(rides: Iterable[tuple[str, float]], user: str, day: int, days: int) -> int:
    """The oracle: rides of `user` whose event day lies in [day - days + 1, day]."""
    return sum(1 for u, t in rides if u == user and day - days < day_of(t) <= day)


def client(services) -> httpx.Client:
    return httpx.Client(base_url=services.url("api"), timeout=30)


def post_ride(http: httpx.Client, user: str, t: float) -> dict:
    r = http.post("/events", json={"user_id": user, "event_time": t})
    assert r.status_code // 100 == 2, (
        f"POST /events was refused ({r.status_code}: {r.text[:200]}); the API contract "
        "accepts {user_id, event_time (epoch seconds)} and answers {event_id, partition, offset}"
    )
    body = r.json()
    assert isinstance(body.get("partition"), int) and isinstance(body.get("offset"), int), (
        f"POST /events must answer the ride's partition and offset in the log, got {body}"
    )
    return body


def features(http: httpx.Client, user: str, day: int, days: int) -> dict:
    r = http.get(f"/features/{user}", params={"date": iso(day), "days": days})
    assert r.status_code == 200, (
        f"GET /features/{user}?date={iso(day)}&days={days} answered {r.status_code}: {r.text[:200]}"
    )
    return r.json()


def rides(http: httpx.Client, user: str, day: int, days: int) -> int:
    return int(features(http, user, day, days)["rides"])


def status(http: httpx.Client) -> dict:
    r = http.get("/status")
    assert r.status_code == 200, f"GET /status answered {r.status_code}: {r.text[:200]}"
    return r.json()


def offsets(raw: dict) -> dict[int, int]:
    """A {partition: offset} map from JSON (string keys) to ints."""
    return {int(p): int(o) for p, o in (raw or {}).items()}


def publish(http: httpx.Client, watermark: dict[int, int] | None = None) -> dict:
    body = {} if watermark is None else {"watermark": {str(p): o for p, o in watermark.items()}}
    r = http.post("/batch/publish", json=body, timeout=60)
    assert r.status_code // 100 == 2, (
        f"POST /batch/publish {body} answered {r.status_code}: {r.text[:300]}"
    )
    return r.json()


def reprocess(http: httpx.Client) -> dict:
    r = http.post("/reprocess", timeout=90)
    assert r.status_code // 100 == 2, f"POST /reprocess answered {r.status_code}: {r.text[:300]}"
    body = r.json()
    for key in ("version", "from_offsets", "to_offsets", "events"):
        assert key in body, f"POST /reprocess must answer {key!r} (the API contract), got {body}"
    return body


def wait_consumed(http: httpx.Client, wanted: dict[int, int], max_s: float = 20.0) -> dict:
    """Wait until GET /status shows the speed layer past `wanted` ({partition: next offset})."""
    deadline = time.monotonic() + max_s
    while True:
        speed = offsets(status(http).get("speed"))
        missing = {p: o for p, o in wanted.items() if o > 0 and speed.get(p, 0) < o}
        if not missing:
            return speed
        if time.monotonic() > deadline:
            raise AssertionError(
                f"the speed layer did not consume the rides within {max_s:g} s: GET /status "
                f"shows speed positions {speed}, the log has {wanted}. Is `rides.speed` "
                "consuming the topic (and reporting its positions)?"
            )
        time.sleep(0.05)


def positions_after(posted: Iterable[dict]) -> dict[int, int]:
    """{partition: next offset} just after the given POST /events answers."""
    out: dict[int, int] = {}
    for answer in posted:
        out[answer["partition"]] = max(out.get(answer["partition"], 0), answer["offset"] + 1)
    return out


def log_rides(kafka) -> list[dict]:
    """Every ride in the topic, read back from Kafka (the source of truth)."""
    return [json.loads(record.value) for record in kafka.consume_all(TOPIC, timeout_s=30)]


def log_range(kafka) -> tuple[dict[int, int], dict[int, int]]:
    """Per partition, the log's low watermark (first retained offset) and its end offset."""
    consumer = Consumer(
        {
            "bootstrap.servers": kafka.bootstrap,
            "group.id": f"labgrade-oracle-{uuid.uuid4().hex[:8]}",
            "log_level": 3,
        }
    )
    try:
        full = kafka.topic(TOPIC)
        meta = consumer.list_topics(full, timeout=10).topics[full]
        low, high = {}, {}
        for p in sorted(meta.partitions):
            low[p], high[p] = consumer.get_watermark_offsets(TopicPartition(full, p), timeout=10)
        return low, high
    finally:
        consumer.close()


def settle(
    observe: Callable[[], Any],
    expected: Any,
    stable_s: float = 2.0,
    max_s: float = 20.0,
    interval_s: float = 0.05,
) -> Any:
    """Poll until the observation equals `expected`, or has not changed for `stable_s`."""
    deadline = time.monotonic() + max_s
    last = observe()
    last_change = time.monotonic()
    while last != expected and time.monotonic() < deadline:
        time.sleep(interval_s)
        now = observe()
        if now != last:
            last, last_change = now, time.monotonic()
        elif time.monotonic() - last_change >= stable_s:
            break
    return last
