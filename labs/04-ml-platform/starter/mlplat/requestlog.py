"""The prediction log: one row per served prediction."""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    request_time REAL NOT NULL,
    restaurant_id TEXT NOT NULL,
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
                "INSERT INTO requests (request_time, restaurant_id, eta_minutes) VALUES (?, ?, ?)",
                (record["request_time"], record["restaurant_id"], record["eta_minutes"]),
            )

    def read(self, restaurant_id: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        query = "SELECT request_time, restaurant_id, eta_minutes FROM requests"
        args: tuple = ()
        if restaurant_id is not None:
            query += " WHERE restaurant_id = ?"
            args = (restaurant_id,)
        query += " ORDER BY seq DESC LIMIT ?"
        with self._lock:
            rows = self._conn.execute(query, (*args, limit)).fetchall()
        keys = ("request_time", "restaurant_id", "eta_minutes")
        return [dict(zip(keys, row, strict=True)) for row in reversed(rows)]
