"""Check group `lambda-merge`: the serving layer counts every ride exactly once.

A batch view published with watermark W covers the records with offset < W[p] of
each partition p (Kafka's "next offset" convention); the speed layer's records at
or above W[p] make up the rest.  Rides are posted, the speed layer catches up, a
batch view is published at a chosen cut, and the merged answer is compared with a
brute-force count of the rides posted.  Windows here hold every ride whatever day a
layer files it under: this group is about the boundary, not about days.
"""

from __future__ import annotations

import time

from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from lk_oracle import (
    DAY_S,
    all_time,
    client,
    features,
    new_user,
    offsets,
    positions_after,
    post_ride,
    publish,
    wait_consumed,
)

CONCEPT = (
    "Lambda's serving layer merges two views of one log, so they must split it without "
    "overlap or gap: the batch view takes offsets < watermark[partition] (the watermark is "
    "the first offset NOT covered, like Kafka's committed offsets), the speed layer offsets "
    ">= watermark[partition]."
)


def _describe(user: str, got: dict, want: int) -> str:
    return (
        f"user {user} has rides={got['rides']} (from_batch={got.get('from_batch')}, "
        f"from_speed={got.get('from_speed')}) but {want} ride(s) were posted"
    )


def test_record_at_the_watermark_is_counted_once(services):
    http = client(services)
    user = new_user("edge")
    now = time.time()
    posted = [post_ride(http, user, now - k * 3600) for k in range(5)]
    speed = wait_consumed(http, positions_after(posted))
    p = posted[0]["partition"]
    cut = posted[2]["offset"]  # the batch view covers the first two rides of this user
    watermark = speed | {p: cut}
    publish(http, watermark)
    got = features(http, user, *all_time())
    assert got["rides"] == 5, (
        f"after POST /batch/publish with watermark {{{p}: {cut}, ...}} (the batch view covers "
        f"offsets < {cut} of partition {p}, the speed layer offsets >= {cut}), "
        + _describe(user, got, 5)
        + f". The ride at offset {cut}, right on the watermark, is counted by both layers "
        "(or by neither). " + CONCEPT
    )


stream_st = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 20 * DAY_S)), min_size=1, max_size=10
)
cut_st = st.lists(st.floats(0, 1), min_size=3, max_size=3)


@settings(max_examples=8, deadline=None, phases=[Phase.explicit, Phase.generate])
@given(stream=stream_st, cuts=cut_st)
def test_merged_answer_equals_brute_force(services, stream, cuts):
    """Random rides of four users, random per-partition cut points for the batch view."""
    http = client(services)
    users = [new_user("merge") for _ in range(4)]
    now = time.time()
    posted = [(users[u], post_ride(http, users[u], now - age)) for u, age in stream]
    speed = wait_consumed(http, positions_after(a for _, a in posted))
    watermark = dict(speed)
    for p in {a["partition"] for _, a in posted}:
        mine = sorted(a["offset"] for _, a in posted if a["partition"] == p)
        i = min(int(cuts[p % 3] * (len(mine) + 1)), len(mine))
        watermark[p] = mine[i] if i < len(mine) else mine[-1] + 1
    answer = publish(http, watermark)
    for user in users:
        want = sum(1 for u, _ in posted if u == user)
        got = features(http, user, *all_time())
        assert got["rides"] == want, (
            f"{len(posted)} random rides of {len(users)} users, batch view published with "
            f"watermark {watermark} (answered {answer.get('watermark')}): "
            + _describe(user, got, want)
            + ". "
            + CONCEPT
        )


def test_publishing_twice_changes_nothing(services):
    http = client(services)
    users = [new_user("twice") for _ in range(2)]
    now = time.time()
    posted = [post_ride(http, users[k % 2], now - k * 7200) for k in range(8)]
    speed = wait_consumed(http, positions_after(posted))
    watermark = speed | {posted[3]["partition"]: posted[3]["offset"]}

    def answers() -> dict:
        day, days = all_time()
        return {u: features(http, u, day, days)["rides"] for u in users}

    first = publish(http, watermark)
    before = answers()
    second = publish(http, watermark)
    after = answers()
    assert before == after, (
        f"publishing the same batch view (watermark {watermark}) a second time changed the "
        f"answers from {before} to {after}. A batch view is a pure function of the master "
        "dataset and the watermark: recompute it from scratch into a new version instead of "
        "adding to the live one, so a retried or repeated publish is harmless"
    )
    assert offsets(first.get("watermark")) == offsets(second.get("watermark")), (
        f"the same watermark was published twice but the answers say {first.get('watermark')} "
        f"and {second.get('watermark')}"
    )
