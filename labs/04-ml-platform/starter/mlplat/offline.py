"""The offline store: every order event in SQLite, features as of any past moment.

Training reads from here: for each historical order, the features *as of the order's
own time* (point in time), next to its label.  New events posted to the gateway are
appended here as well as to the online store.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from mlplat import config, data, features
from mlplat.spec import COLUMNS, feature_names

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    restaurant_id TEXT NOT NULL,
    event_time REAL NOT NULL,
    prep_s REAL NOT NULL,
    items INTEGER NOT NULL,
    delivery_min REAL          -- the label; NULL until known
);
CREATE INDEX IF NOT EXISTS events_by_restaurant ON events (restaurant_id, event_time);
"""


_write_lock = threading.Lock()
"""One connection is shared by the gateway's worker threads: one writer at a time."""


def connect(path: str | None = None) -> sqlite3.Connection:
    """Open the store, creating and seeding it (deterministically) when it is empty."""
    conn = sqlite3.connect(config.feature_db(path), timeout=30, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.executescript(SCHEMA)
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        if conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 0:
            conn.executemany(
                "INSERT INTO events (restaurant_id, event_time, prep_s, items, delivery_min) "
                "VALUES (?, ?, ?, ?, ?)",
                data.seed_history(),
            )
    return conn


def insert_event(
    conn: sqlite3.Connection, restaurant_id: str, event_time: float, prep_s: float, items: int
) -> None:
    with _write_lock, conn:
        conn.execute(
            "INSERT INTO events (restaurant_id, event_time, prep_s, items) VALUES (?, ?, ?, ?)",
            (restaurant_id, event_time, prep_s, items),
        )


def all_events(conn: sqlite3.Connection) -> Iterable[tuple[str, float, float, int]]:
    return conn.execute(
        "SELECT restaurant_id, event_time, prep_s, items FROM events ORDER BY event_time, id"
    )


def _history(conn: sqlite3.Connection, restaurant_id: str) -> tuple[np.ndarray, dict]:
    rows = conn.execute(
        "SELECT event_time, prep_s, items FROM events WHERE restaurant_id = ? "
        "ORDER BY event_time, id",
        (restaurant_id,),
    ).fetchall()
    arr = np.array(rows, dtype=float).reshape(-1, 3)
    return arr[:, 0], {"prep_s": arr[:, 1], "items": arr[:, 2]}


def features_as_of(
    conn: sqlite3.Connection, restaurant_id: str, times: Sequence[float]
) -> list[dict[str, float]]:
    """The offline path: features of one restaurant as of each time, from the raw events."""
    event_times, columns = _history(conn, restaurant_id)
    return [features.as_dict(row) for row in features.compute(event_times, columns, times)]


def training_frames(
    conn: sqlite3.Connection,
) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame, pd.Series]:
    """(X_train, y_train, X_holdout, y_holdout): point-in-time features of every labeled order.

    The holdout is fixed: the labeled orders of the last HOLDOUT_S seconds of history.
    """
    rows = conn.execute(
        "SELECT restaurant_id, event_time, prep_s, items, delivery_min FROM events "
        "ORDER BY event_time, id"
    ).fetchall()
    by_restaurant: dict[str, list] = defaultdict(list)
    for row in rows:
        by_restaurant[row[0]].append(row)
    frames = []
    for restaurant in sorted(by_restaurant):
        group = by_restaurant[restaurant]
        labeled = [r for r in group if r[4] is not None]
        if not labeled:
            continue
        times = np.array([r[1] for r in group], dtype=float)
        columns = {
            c: np.array([r[2 + i] for r in group], dtype=float) for i, c in enumerate(COLUMNS)
        }
        at = np.array([r[1] for r in labeled], dtype=float)
        frame = pd.DataFrame(features.compute(times, columns, at), columns=feature_names())
        frame["event_time"] = at
        frame["label"] = [r[4] for r in labeled]
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True).sort_values("event_time", kind="stable")
    cutoff = data.HISTORY_END - data.HOLDOUT_S
    train, hold = table[table.event_time < cutoff], table[table.event_time >= cutoff]
    names = feature_names()
    return train[names], train["label"], hold[names], hold["label"]
