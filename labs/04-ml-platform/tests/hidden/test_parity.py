"""Check group `parity`: the features served online equal the feature definitions.

Each test posts the raw events of a fresh restaurant, asks for predictions at chosen
request times and compares the served feature values with a brute-force computation
of the definitions over those events (1e-6).  The offline path (what training uses)
is recomputed at the same request times through the SDK and compared too.
"""

from __future__ import annotations

import random

from eta_oracle import (
    BASE,
    client,
    differences,
    new_restaurant,
    oracle,
    post_event,
    predict,
)
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

SKEW = (
    "training/serving skew: the features served at request time differ from the features "
    "the model was trained on (the definitions in the feature spec). Serving and training "
    "must compute features with one definition, not two copies that drift apart."
)


def _check_served(http, rid: str, events: list[dict], at: float, why: str = "") -> dict:
    answer = predict(http, rid, at)
    want = oracle(events, at)
    wrong = differences(answer.get("features"), want)
    assert not wrong, (
        f"{why}request_time = BASE{at - BASE:+.3f} s with {len(events)} event(s) posted: "
        + "; ".join(wrong)
        + ". "
        + SKEW
    )
    return answer


def _post(http, rid: str, events: list[dict]) -> list[dict]:
    events = [e | {"restaurant_id": rid} for e in events]
    for e in events:
        post_event(http, e)
    return events


def test_window_edges_and_defaults(services):
    """Events exactly on window edges: the window is at - window_s < event_time <= at."""
    http = client(services)
    rid = new_restaurant("edges")
    events = _post(
        http,
        rid,
        [
            {"event_time": BASE, "prep_s": 300.0, "items": 2},
            {"event_time": BASE + 600, "prep_s": 420.5, "items": 1},
            {"event_time": BASE + 1800, "prep_s": 900.0, "items": 4},
            {"event_time": BASE + 3000, "prep_s": 515.25, "items": 3},
            {"event_time": BASE + 3600, "prep_s": 610.0, "items": 1},
            {"event_time": BASE + 5400, "prep_s": 700.0, "items": 6},
        ],
    )
    cases = {
        BASE - 1: "before any order (empty windows, defaults): ",
        BASE + 1800: "an order exactly at the request time counts, one 30 min old does not: ",
        BASE + 3600: "orders exactly 30 min and 60 min before the request are outside: ",
        BASE + 7200: "the order exactly 2 h before the request is outside items_2h: ",
        BASE + 5400.5: "",
    }
    for at, why in cases.items():
        _check_served(http, rid, events, at, why)


def test_restaurant_without_orders(services):
    http = client(services)
    _check_served(http, new_restaurant("empty"), [], BASE, "a restaurant with no orders: ")


def test_late_events_count_at_their_event_time(services):
    """Events posted out of time order (a tablet that was offline)."""
    http = client(services)
    rid = new_restaurant("late")
    events = _post(
        http,
        rid,
        [
            {"event_time": BASE + 3000, "prep_s": 500.0, "items": 2},
            {"event_time": BASE + 100, "prep_s": 800.0, "items": 5},
            {"event_time": BASE + 2500, "prep_s": 450.0, "items": 1},
            {"event_time": BASE + 4000, "prep_s": 650.0, "items": 3},
        ],
    )
    for at in (BASE + 2600, BASE + 3500, BASE + 3800):
        _check_served(http, rid, events, at, "with late events: ")


def test_offline_path_agrees_at_logged_request_times(services, student_call, feature_db):
    """What training would compute at each request time equals what serving served."""
    http = client(services)
    rid = new_restaurant("offline")
    rng = random.Random(4)
    events = _post(
        http,
        rid,
        [
            {
                "event_time": BASE
                + rng.choice([rng.uniform(0, 9000), rng.randrange(0, 9000, 600)]),
                "prep_s": round(rng.uniform(120, 1500), 2),
                "items": rng.randint(1, 6),
            }
            for _ in range(40)
        ],
    )
    times = [BASE + t for t in (1800, 3600, 5000, 7200.25, 9000)]
    answers = [predict(http, rid, t) for t in times]
    offline = student_call("mlplat.sdk:offline_features", rid, times, feature_db, timeout_s=60)
    assert isinstance(offline, list) and len(offline) == len(times), (
        "mlplat.sdk.offline_features(restaurant_id, times, feature_db) must return one "
        f"feature dict per time, got {offline!r:.200}"
    )
    for at, answer, computed in zip(times, answers, offline, strict=True):
        want = oracle(events, at)
        wrong_offline = differences(computed, want)
        assert not wrong_offline, (
            "the offline path (used for training) does not follow the feature definitions: "
            + "; ".join(wrong_offline)
        )
        wrong = differences(answer.get("features"), computed)
        assert not wrong, (
            f"for a logged request at BASE{at - BASE:+.2f} s, the offline features recomputed "
            "at the request time differ from the served ones: " + "; ".join(wrong) + ". " + SKEW
        )


EDGES = [0, 600, 1800, 3600, 5400, 7200, 9000]
event_st = st.fixed_dictionaries(
    {
        "event_time": st.one_of(
            st.sampled_from(EDGES), st.integers(0, 10_800), st.floats(0, 10_800)
        ).map(lambda s: BASE + s),
        "prep_s": st.floats(60, 3000).map(lambda x: round(x, 3)),
        "items": st.integers(1, 9),
    }
)


@settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.generate])
@given(
    events=st.lists(event_st, min_size=0, max_size=12),
    probes=st.lists(
        st.one_of(st.sampled_from([*EDGES, 10_800]), st.integers(-100, 11_000)),
        min_size=1,
        max_size=4,
    ),
)
def test_served_features_equal_definitions(services, events, probes):
    """Random order streams (many events on window edges), random request times."""
    http = client(services)
    rid = new_restaurant("prop")
    events = _post(http, rid, events)
    for p in probes:
        _check_served(http, rid, events, BASE + p)
