"""Check group `point-in-time-join`: POST /training-set is a backward as-of join with a TTL.

The oracle is pandas.merge_asof(direction="backward", tolerance=ttl, by="account_id")
over the feature history a replay of the posted events defines: at every distinct
event time of an account, its state as of that time.
"""

from __future__ import annotations

import time

import pandas as pd
from es_oracle import client, new_account, post_event, wait_projected
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

SIGN = {"deposit": 1, "withdrawal": -1, "fee": -1}
BASE = float(int(time.time()) // 86400 * 86400 - 20 * 86400)
CONCEPT = (
    "Point-in-time correctness: each label may only see the newest feature row with "
    "label_ts - ttl <= feature_ts <= label_ts (a backward as-of join by account, with the TTL "
    "as tolerance), or none. Anything newer leaks the future into training."
)


def feature_history(events: list[dict]) -> pd.DataFrame:
    """Per account, the state as of each distinct event time (the oracle's feature table)."""
    rows = []
    for acc in sorted({e["account_id"] for e in events}):
        mine = [e for e in events if e["account_id"] == acc]
        for ts in sorted({e["event_time"] for e in mine}):
            upto = [e for e in mine if e["event_time"] <= ts]
            rows.append(
                {
                    "account_id": acc,
                    "feature_ts": ts,
                    "balance": sum(SIGN[e["type"]] * e["amount"] for e in upto),
                    "n_events": len(upto),
                }
            )
    return pd.DataFrame(rows).sort_values("feature_ts", kind="stable")


def oracle(events: list[dict], labels: list[dict], ttl: float) -> list[dict]:
    left = pd.DataFrame(labels).assign(i=range(len(labels))).sort_values("label_ts", kind="stable")
    joined = pd.merge_asof(
        left,
        feature_history(events),
        left_on="label_ts",
        right_on="feature_ts",
        by="account_id",
        direction="backward",
        tolerance=ttl,
    ).sort_values("i")
    out = []
    for row in joined.to_dict("records"):
        found = not pd.isna(row["feature_ts"])
        out.append(
            {
                "feature_ts": float(row["feature_ts"]) if found else None,
                "balance": int(row["balance"]) if found else None,
                "n_events": int(row["n_events"]) if found else None,
            }
        )
    return out


def _post_all(http, events: list[dict]) -> None:
    counts: dict[str, int] = {}
    for e in events:
        post_event(http, e["account_id"], e["type"], e["amount"], e["event_time"])
        counts[e["account_id"]] = counts.get(e["account_id"], 0) + 1
    wait_projected(http, counts)


def _training_set(http, labels: list[dict], ttl: float) -> list[dict]:
    r = http.post("/training-set", json={"labels": labels, "ttl_s": ttl})
    assert r.status_code == 200, f"POST /training-set answered {r.status_code}: {r.text[:200]}"
    rows = r.json().get("rows")
    assert isinstance(rows, list) and len(rows) == len(labels), (
        "POST /training-set must return {'rows': [...]} with one row per label, in label order"
    )
    return rows


def _verify(events: list[dict], labels: list[dict], ttl: float, rows: list[dict]) -> None:
    for label, row in zip(labels, rows, strict=True):
        fts = row.get("feature_ts")
        if fts is None:
            continue
        assert fts <= label["label_ts"], (
            f"future leakage: the label at {label['label_ts']:.0f} got features from "
            f"{fts:.0f}, {fts - label['label_ts']:.0f} s *after* it. " + CONCEPT
        )
        assert label["label_ts"] - ttl <= fts, (
            f"stale features: the label at {label['label_ts']:.0f} got features from {fts:.0f}, "
            f"{label['label_ts'] - fts:.0f} s old, beyond ttl_s={ttl:g}; it must get none. "
            + CONCEPT
        )
    want = oracle(events, labels, ttl)
    for label, row, exp in zip(labels, rows, want, strict=True):
        got = {k: row.get(k) for k in ("feature_ts", "balance", "n_events")}
        assert got == exp, (
            f"for the label of account {label['account_id']} at {label['label_ts']:.0f} "
            f"(ttl_s={ttl:g}) the training set has {got}, a point-in-time join of the "
            f"feature history gives {exp}. " + CONCEPT
        )


def test_no_future_leakage_and_ttl(services):
    http = client(services)
    acc = new_account("pit")
    events = [
        {"account_id": acc, "type": "deposit", "amount": 500, "event_time": BASE + 100},
        {"account_id": acc, "type": "deposit", "amount": 300, "event_time": BASE + 200},
        {"account_id": acc, "type": "withdrawal", "amount": 100, "event_time": BASE + 400},
    ]
    _post_all(http, events)
    ttl = 100.0
    labels = [
        {"account_id": acc, "label_ts": BASE + 250, "label": 0},  # sees BASE+200
        {"account_id": acc, "label_ts": BASE + 50, "label": 1},  # before any feature: none
        {"account_id": acc, "label_ts": BASE + 350, "label": 0},  # BASE+200 is too old: none
        {"account_id": acc, "label_ts": BASE + 400, "label": 1},  # exact time is allowed
    ]
    _verify(events, labels, ttl, _training_set(http, labels, ttl))


account_events = st.lists(
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["deposit", "withdrawal", "fee"]),
            "amount": st.integers(min_value=1, max_value=5000),
            "event_time": st.integers(min_value=0, max_value=500).map(lambda s: BASE + s),
        }
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=8, deadline=None, phases=[Phase.explicit, Phase.generate])
@given(
    per_account=st.lists(account_events, min_size=1, max_size=3),
    label_specs=st.lists(
        st.tuples(st.integers(0, 2), st.integers(-50, 600), st.integers(0, 1)),
        min_size=1,
        max_size=8,
    ),
    ttl=st.integers(min_value=1, max_value=300).map(float),
)
def test_join_equals_merge_asof(services, per_account, label_specs, ttl):
    http = client(services)
    accounts = [new_account("pit-prop") for _ in per_account]
    events = [
        e | {"account_id": acc} for acc, evs in zip(accounts, per_account, strict=True) for e in evs
    ]
    _post_all(http, events)
    labels = [
        {"account_id": accounts[i % len(accounts)], "label_ts": BASE + ts, "label": y}
        for i, ts, y in label_specs
    ]
    _verify(events, labels, ttl, _training_set(http, labels, ttl))
