"""Check group `kappa-replay`: reprocessing replays the whole retained log.

POST /reprocess must read every partition from its low watermark (the first offset
the log still retains) up to its end, and the view it builds must equal a
from-scratch count over every ride in the topic, read back here from Kafka.
"""

from __future__ import annotations

import random
import time

from lk_oracle import (
    DAY_S,
    all_time,
    brute_count,
    client,
    day_of,
    features,
    iso,
    log_range,
    log_rides,
    new_user,
    offsets,
    positions_after,
    post_ride,
    reprocess,
    wait_consumed,
)

CONCEPT = (
    "Kappa reprocessing is a replay of the log from its start: assign() every partition at its "
    "low watermark (the first retained offset) with a job of its own. Reusing the live "
    "consumer group resumes at its committed offsets, i.e. at the end, and recomputes nothing."
)


def _post_history(http, tag: str, seed: int) -> list[tuple[str, float]]:
    """A few users with rides on random days of the last two weeks, some posted late."""
    rng = random.Random(seed)
    users = [new_user(tag) for _ in range(4)]
    now = time.time()
    rides = [(rng.choice(users), now - rng.uniform(0, 14 * DAY_S)) for _ in range(24)]
    wait_consumed(http, positions_after([post_ride(http, u, t) for u, t in rides]))
    return rides


def _probes() -> list[tuple[int, int]]:
    today = day_of(time.time())
    return [(today, 1), (today, 7), (today - 3, 5), (today - 10, 30), all_time()]


def _compare_with_log(http, kafka, users: list[str], note: str) -> None:
    log = [(r["user_id"], float(r["event_time"])) for r in log_rides(kafka)]
    for user in users:
        for day, days in _probes():
            got = features(http, user, day, days)
            want = brute_count(log, user, day, days)
            assert got["rides"] == want, (
                f"{note}: GET /features/{user}?date={iso(day)}&days={days} answered "
                f"rides={got['rides']} (from_batch={got.get('from_batch')}, from_speed="
                f"{got.get('from_speed')}), a from-scratch count over the topic gives {want}. "
                + CONCEPT
            )


def test_replay_starts_at_the_low_watermark(services, kafka):
    http = client(services)
    _post_history(http, "low", seed=1)
    low, high = log_range(kafka)
    answer = reprocess(http)
    started, ended = offsets(answer["from_offsets"]), offsets(answer["to_offsets"])
    assert started == low, (
        f"POST /reprocess started reading at {started}, but the log starts at {low} (its low "
        f"watermark) and ends at {high}. " + CONCEPT
    )
    assert ended == high, (
        f"POST /reprocess read up to {ended}, but the log's end offsets when it was called "
        f"were {high}: replay up to the end offsets taken when the job starts, and let the "
        "speed layer cover what comes after"
    )
    assert answer["events"] == sum(high[p] - low[p] for p in high), (
        f"POST /reprocess replayed {answer['events']} rides, the log holds "
        f"{sum(high[p] - low[p] for p in high)} between {low} and {high}"
    )


def test_replay_equals_full_recompute(services, kafka):
    http = client(services)
    rides = _post_history(http, "recompute", seed=2)
    reprocess(http)
    users = sorted({u for u, _ in rides})
    others = sorted({r["user_id"] for r in log_rides(kafka)} - set(users))
    sample = random.Random(3).sample(others, min(12, len(others)))
    _compare_with_log(http, kafka, users + sample, "after POST /reprocess")


def test_second_replay_gives_the_same_view(services, kafka):
    http = client(services)
    rides = _post_history(http, "again", seed=4)
    first = reprocess(http)
    second = reprocess(http)
    assert second["events"] == first["events"], (
        f"two replays of an unchanged log read {first['events']} and then {second['events']} "
        "rides: a replay must not depend on where an earlier run stopped (no committed "
        "offsets, no shared group). " + CONCEPT
    )
    _compare_with_log(http, kafka, sorted({u for u, _ in rides}), "after a second POST /reprocess")
