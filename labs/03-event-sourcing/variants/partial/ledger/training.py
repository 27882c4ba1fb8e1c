"""Build a training set: attach account features to labelled examples.

A label says "account X was (or was not) fraudulent at time label_ts".  The model
will be trained on the features next to each label, so they must be the features
the production model would have seen for that account at that time.  Features
older than `ttl_s` seconds are considered stale and must not be used.
"""

from __future__ import annotations

import bisect
import sqlite3
from dataclasses import dataclass

from ledger import store


@dataclass(frozen=True)
class Label:
    account_id: str
    label_ts: float
    label: int


def build_training_set(conn: sqlite3.Connection, labels: list[Label], ttl_s: float) -> list[dict]:
    """One row per label, in the labels' order, with feature values or None."""
    histories: dict[str, list[sqlite3.Row]] = {}
    rows = []
    for label in labels:
        if label.account_id not in histories:
            histories[label.account_id] = store.feature_history(conn, label.account_id)
        feature = point_in_time(histories[label.account_id], label.label_ts, ttl_s)
        rows.append(
            {
                "account_id": label.account_id,
                "label_ts": label.label_ts,
                "label": label.label,
                "feature_ts": feature["feature_ts"] if feature else None,
                "balance": feature["balance"] if feature else None,
                "n_events": feature["n_events"] if feature else None,
            }
        )
    return rows


def point_in_time(history: list[sqlite3.Row], label_ts: float, ttl_s: float) -> sqlite3.Row | None:
    """The newest feature row with label_ts - ttl_s <= feature_ts <= label_ts, if any.

    A backward as-of lookup: never a row from after the label (that is the future,
    the model will not have it in production), never one older than the TTL.
    """
    times = [row["feature_ts"] for row in history]
    i = bisect.bisect_right(times, label_ts)  # rows [0, i) have feature_ts <= label_ts
    if i == 0:
        return None
    row = history[i - 1]
    if label_ts - row["feature_ts"] > ttl_s:
        return None
    return row
