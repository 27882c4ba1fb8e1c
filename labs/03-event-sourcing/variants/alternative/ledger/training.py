"""Build a training set: attach account features to labelled examples.

A label says "account X was (or was not) fraudulent at time label_ts".  Each label
gets the newest feature row in [label_ts - ttl_s, label_ts], found by SQLite.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    account_id: str
    label_ts: float
    label: int


LOOKUP = (
    "SELECT feature_ts, balance, n_events FROM features"
    " WHERE account_id = ? AND feature_ts <= ? AND feature_ts >= ?"
    " ORDER BY feature_ts DESC LIMIT 1"
)


def build_training_set(conn: sqlite3.Connection, labels: list[Label], ttl_s: float) -> list[dict]:
    """One row per label, in the labels' order, with feature values or None."""
    rows = []
    for label in labels:
        found = conn.execute(
            LOOKUP, (label.account_id, label.label_ts, label.label_ts - ttl_s)
        ).fetchone()
        rows.append(
            {
                "account_id": label.account_id,
                "label_ts": label.label_ts,
                "label": label.label,
                "feature_ts": found["feature_ts"] if found else None,
                "balance": found["balance"] if found else None,
                "n_events": found["n_events"] if found else None,
            }
        )
    return rows
