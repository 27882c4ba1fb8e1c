"""The prediction log: one row per served prediction, for audits and skew checks.

A row holds what is needed to answer "why did the model say that?" later: the request
id and time, the model version that answered, and the exact feature values it saw.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT NOT NULL UNIQUE,
    request_time REAL NOT NULL,
    restaurant_id TEXT NOT NULL,
    model_version TEXT NOT NULL,
    features TEXT NOT NULL,
    eta_minutes REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_by_restaurant ON requests (restaurant_id);
"""


class RequestLog:
    def __init__(self, path: str) -> None:
        self._conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(SCHEMA)
        self._lock = threading.Lock()

    def write(self, record: dict[str, Any]) -> None:
        with self._lock, self._conn:
            self._conn.execute(
                "INSERT INTO requests (request_id, request_time, restaurant_id, model_version, "
                "features, eta_minutes) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    record["request_id"],
                    record["request_time"],
                    record["restaurant_id"],
                    record["model_version"],
                    json.dumps(record["features"]),
                    record["eta_minutes"],
                ),
            )

    def read(self, restaurant_id: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        query = (
            "SELECT request_id, request_time, restaurant_id, model_version, features, eta_minutes "
            "FROM requests"
        )
        args: tuple = ()
        if restaurant_id is not None:
            query += " WHERE restaurant_id = ?"
            args = (restaurant_id,)
        query += " ORDER BY seq DESC LIMIT ?"
        with self._lock:
            rows = self._conn.execute(query, (*args, limit)).fetchall()
        keys = ("request_id", "request_time", "restaurant_id", "model_version", "features")
        out = []
        for row in reversed(rows):
            entry = dict(zip(keys, row[:5], strict=True))
            entry["features"] = json.loads(entry["features"])
            entry["eta_minutes"] = row[5]
            out.append(entry)
        return out
