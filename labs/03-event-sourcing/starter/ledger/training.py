"""Build a training set: attach account features to labelled examples.

A label says "account X was (or was not) fraudulent at time label_ts".  The model
will be trained on the features next to each label, so they must be the features
the production model would have seen for that account at that time.  Features
older than `ttl_s` seconds are considered stale and must not be used.
"""

from __future__ import annotations

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
        history = histories[label.account_id]
        feature = history[-1] if history else None  # the account's features
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
