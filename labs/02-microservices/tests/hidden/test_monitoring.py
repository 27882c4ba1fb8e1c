"""Check group `monitoring-off-hot-path`: reporting to monitoring never slows or fails a
prediction, and still delivers each record once.
"""

from __future__ import annotations

import time

import httpx
from mesh_oracle import FAST_S, new_entity, predict

CONCEPT = (
    "Monitoring is not needed for an answer: hand the record to a bounded background queue "
    "and answer; a synchronous call makes every prediction as slow and as fragile as "
    "monitoring."
)


def _assert_fast_and_healthy(http, n: int, situation: str) -> None:
    for _ in range(n):
        a = predict(http)  # judged as it comes: a gateway that waits fails on the first
        assert a.status == 200 and a.seconds <= FAST_S, (
            f"{situation}, a prediction (features and model healthy) answered {a.brief()}; "
            f"it should answer in well under {FAST_S:g} s. " + CONCEPT
        )
        assert a.body.get("degraded") is False, (
            f"{situation}, a prediction was marked degraded ({a.brief()}), although features "
            "and model were healthy: a monitoring problem does not degrade the answer. " + CONCEPT
        )


def test_slow_monitoring_does_not_slow_predictions(healed, http, faults):
    faults.set("monitoring", latency_ms=2000)
    _assert_fast_and_healthy(http, 5, "with monitoring answering after 2 s")


def test_monitoring_outage_does_not_fail_predictions(healed, http, faults):
    faults.set("monitoring", outage=True)
    _assert_fast_and_healthy(http, 5, "with monitoring down (503)")


def test_records_still_arrive_exactly_once(healed, http, services):
    entities = [new_entity("mon") for _ in range(8)]
    for entity in entities:
        assert predict(http, entity).healthy, "a healthy prediction was expected"
    counts: dict[str, int] = {}
    with httpx.Client(base_url=services.url("monitoring"), timeout=5) as monitoring:
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:
            counts = {
                e: monitoring.get("/stored", params={"entity_id": e}).json()["count"]
                for e in entities
            }
            if all(n >= 1 for n in counts.values()):
                break
            time.sleep(0.1)
        time.sleep(0.3)  # a duplicate would land now
        counts = {
            e: monitoring.get("/stored", params={"entity_id": e}).json()["count"] for e in entities
        }
    missing = [e for e, n in counts.items() if n == 0]
    doubled = [e for e, n in counts.items() if n > 1]
    assert not missing, (
        f"{len(missing)} of {len(entities)} predictions never reached monitoring within 3 s "
        "(healthy monitoring): off the hot path still means delivered, with a bounded queue "
        "and a worker that keeps sending."
    )
    assert not doubled, (
        f"{len(doubled)} of {len(entities)} predictions were recorded more than once in "
        "monitoring, which was healthy: each prediction is one record."
    )
