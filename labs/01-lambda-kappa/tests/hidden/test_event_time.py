"""Check group `speed-event-time`: the speed layer counts a ride on the day it happened.

Rides are posted late (event times days in the past, in random order), so the day a
ride reaches the speed layer says nothing about the day it belongs to.  No batch
view covers them: the answers come from the speed layer.
"""

from __future__ import annotations

import time

from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from lk_oracle import (
    DAY_S,
    brute_count,
    client,
    day_of,
    features,
    iso,
    new_user,
    positions_after,
    post_ride,
    wait_consumed,
)

CONCEPT = (
    "Window by event time: a ride belongs to the day it happened (its event_time, UTC), "
    "not to the day the speed layer processed it. The batch layer counts by event time, so a "
    "speed layer that counts by processing time disagrees with it and with the truth whenever "
    "data arrives late."
)


def _check(http, user: str, rides: list[tuple[str, float]], day: int, days: int, note: str):
    got = features(http, user, day, days)
    want = brute_count(rides, user, day, days)
    assert got["rides"] == want, (
        f"{note}: GET /features/{{user}}?date={iso(day)}&days={days} answered "
        f"rides={got['rides']}, but {want} of the user's rides happened on those days "
        f"(ride days: {sorted(iso(day_of(t)) for u, t in rides if u == user)}). " + CONCEPT
    )


def test_late_ride_counts_on_the_day_it_happened(services):
    http = client(services)
    user = new_user("late")
    now = time.time()
    today = day_of(now)
    rides = [(user, now - 3 * DAY_S), (user, now), (user, now - 3 * DAY_S + 60)]
    wait_consumed(http, positions_after([post_ride(http, u, t) for u, t in rides]))
    note = "two rides taken 3 days ago were uploaded today, with one from today"
    for day, days in ((today, 1), (today - 3, 1), (today, 7), (today - 1, 3), (today - 4, 1)):
        _check(http, user, rides, day, days, note)


def test_day_boundaries_are_utc_days(services):
    http = client(services)
    user = new_user("midnight")
    d = day_of(time.time()) - 5
    rides = [(user, d * DAY_S), (user, d * DAY_S + DAY_S - 0.5), (user, (d + 1) * DAY_S)]
    wait_consumed(http, positions_after([post_ride(http, u, t) for u, t in rides]))
    note = "rides at 00:00:00, 23:59:59.5 and the next 00:00:00 (UTC) five days ago"
    for day, days in ((d, 1), (d + 1, 1), (d - 1, 1), (d + 1, 2)):
        _check(http, user, rides, day, days, note)


ride_st = st.tuples(st.integers(0, 1), st.integers(0, 14), st.integers(0, DAY_S - 1))
probe_st = st.tuples(st.integers(-1, 16), st.integers(1, 10))


@settings(max_examples=8, deadline=None, phases=[Phase.explicit, Phase.generate])
@given(
    stream=st.lists(ride_st, min_size=1, max_size=8),
    probes=st.lists(probe_st, min_size=1, max_size=4),
)
def test_windows_equal_brute_force(services, stream, probes):
    """Rides of two users on random past days, posted in random order; random windows."""
    http = client(services)
    users = [new_user("window") for _ in range(2)]
    today = day_of(time.time())
    rides = [(users[u], (today - back) * DAY_S + sec) for u, back, sec in stream]
    wait_consumed(http, positions_after([post_ride(http, u, t) for u, t in rides]))
    note = f"{len(rides)} rides on random days of the last two weeks, posted out of order"
    for user in users:
        for back, days in probes:
            _check(http, user, rides, today - back, days, note)
