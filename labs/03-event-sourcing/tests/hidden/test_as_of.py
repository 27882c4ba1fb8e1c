"""Check group `as-of`: GET /accounts/{id}?as_of=T is the fold of events with event_time <= T.

Events are posted with event times in the past and in shuffled order (late events),
so the time they reach the log says nothing about when they happened.
"""

from __future__ import annotations

import time

from es_oracle import account, brief, client, new_account, post_event, state_of, wait_projected
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

CONCEPT = (
    "The state as of T is a replay of the events that *happened* at or before T: "
    "filter and order by event_time, not by when the event reached the log or the projector."
)
# A fixed day long ago: nothing in these tests happened "now".
BASE = float(int(time.time()) // 86400 * 86400 - 30 * 86400)


def _check(http, acc: str, events: list[dict], t: float) -> None:
    got = brief(account(http, acc, as_of=t))
    happened = [e for e in events if e["event_time"] <= t]
    want = state_of(happened, acc)
    assert got == want, (
        f"GET /accounts/{{id}}?as_of={t:.0f} returned {got}, but the {len(happened)} event(s) "
        f"with event_time <= {t:.0f} (of {len(events)} posted, not in time order) give {want}. "
        + CONCEPT
    )


def _post_all(http, acc: str, events: list[dict]) -> None:
    for e in events:
        post_event(http, acc, e["type"], e["amount"], e["event_time"])
    wait_projected(http, {acc: len(events)})


def test_late_event_counts_at_its_event_time(services):
    http = client(services)
    acc = new_account("asof")
    events = [
        {"account_id": acc, "type": "deposit", "amount": 1000, "event_time": BASE + 100},
        {"account_id": acc, "type": "withdrawal", "amount": 300, "event_time": BASE + 300},
        # Made at BASE + 200, delivered last: an ATM that was offline for a while.
        {"account_id": acc, "type": "deposit", "amount": 50, "event_time": BASE + 200},
    ]
    _post_all(http, acc, events)
    for t in (BASE + 50, BASE + 150, BASE + 250, BASE + 350):
        _check(http, acc, events, t)


def test_as_of_boundary_is_inclusive(services):
    http = client(services)
    acc = new_account("asof-empty")
    events = [{"account_id": acc, "type": "deposit", "amount": 700, "event_time": BASE + 500}]
    _post_all(http, acc, events)
    _check(http, acc, events, BASE + 499)
    _check(http, acc, events, BASE + 500)


event_st = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["deposit", "withdrawal", "fee"]),
        "amount": st.integers(min_value=1, max_value=10_000),
        "event_time": st.integers(min_value=0, max_value=1000).map(lambda s: BASE + s),
    }
)


@settings(max_examples=8, deadline=None, phases=[Phase.explicit, Phase.generate])
@given(
    events=st.lists(event_st, min_size=1, max_size=7),
    probes=st.lists(st.integers(min_value=-10, max_value=1010), min_size=1, max_size=3),
)
def test_as_of_equals_replay_by_event_time(services, events, probes):
    """Posted in the (random) list order: many events arrive after later-dated ones."""
    http = client(services)
    acc = new_account("asof-prop")
    events = [e | {"account_id": acc} for e in events]
    _post_all(http, acc, events)
    times = sorted({e["event_time"] for e in events})
    for t in [times[0] - 1, *times, *(BASE + p for p in probes)]:
        _check(http, acc, events, t)
