"""The prediction audit log, in SQLite.

Writing every record in its own transaction looked slow in a benchmark, so records
are collected in memory and written in batches of FLUSH_EVERY (and when the service
shuts down).  Reads look in the batch first, then in the database.
"""

from __future__ import annotations

import json
import sqlite3
import threading

FLUSH_EVERY = 50

SCHEMA = """
CREATE TABLE IF NOT EXISTS predictions (
    prediction_id TEXT PRIMARY KEY,
    timestamp     REAL NOT NULL,
    input         TEXT NOT NULL,
    output        TEXT NOT NULL,
    model_name    TEXT NOT NULL
)
"""
FIELDS = ("prediction_id", "timestamp", "input", "output", "model_name")


def connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(SCHEMA)
    conn.commit()
    return conn


class AuditLog:
    def __init__(self, path: str) -> None:
        self._conn = connect(path)
        self._lock = threading.Lock()
        self._pending: dict[str, dict] = {}

    def append(self, record: dict) -> None:
        with self._lock:
            self._pending[record["prediction_id"]] = record
            if len(self._pending) >= FLUSH_EVERY:
                self._flush()

    def _flush(self) -> None:
        rows = []
        for record in self._pending.values():
            row = [record[f] for f in FIELDS]
            row[2], row[3] = json.dumps(record["input"]), json.dumps(record["output"])
            rows.append(row)
        with self._conn:
            self._conn.executemany(f"INSERT INTO predictions VALUES ({', '.join('?' * 5)})", rows)
        self._pending.clear()

    def get(self, prediction_id: str) -> dict | None:
        with self._lock:
            if prediction_id in self._pending:
                return dict(self._pending[prediction_id])
            return _get(self._conn, prediction_id)

    def close(self) -> None:
        with self._lock:
            self._flush()
        self._conn.close()


def _get(conn: sqlite3.Connection, prediction_id: str) -> dict | None:
    row = conn.execute(
        f"SELECT {', '.join(FIELDS)} FROM predictions WHERE prediction_id = ?", (prediction_id,)
    ).fetchone()
    if row is None:
        return None
    record = dict(zip(FIELDS, row, strict=True))
    record["input"], record["output"] = json.loads(row[2]), json.loads(row[3])
    return record


def read(path: str, prediction_id: str) -> dict | None:
    """One record, read straight from the log file (for replay in another process)."""
    conn = sqlite3.connect(path, timeout=30)
    try:
        return _get(conn, prediction_id)
    finally:
        conn.close()
