"""The prediction audit log: one durable record per prediction, in SQLite.

A record is committed before the prediction is answered: once a client holds a
prediction id, the record survives a crash of the service (SQLite's WAL keeps a
committed transaction through a killed process).
"""

from __future__ import annotations

import json
import sqlite3
import threading

SCHEMA = """
CREATE TABLE IF NOT EXISTS predictions (
    prediction_id TEXT PRIMARY KEY,
    timestamp     REAL NOT NULL,
    input         TEXT NOT NULL,
    output        TEXT NOT NULL,
    model_name    TEXT NOT NULL,
    model_version TEXT NOT NULL,
    run_id        TEXT NOT NULL
)
"""
FIELDS = ("prediction_id", "timestamp", "input", "output", "model_name", "model_version", "run_id")


def connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(SCHEMA)
    conn.commit()
    return conn


class AuditLog:
    def __init__(self, path: str) -> None:
        self._conn = connect(path)
        self._lock = threading.Lock()

    def append(self, record: dict) -> None:
        row = [record[f] for f in FIELDS]
        row[2], row[3] = json.dumps(record["input"]), json.dumps(record["output"])
        with self._lock, self._conn:  # one transaction, committed on leaving the block
            self._conn.execute(f"INSERT INTO predictions VALUES ({', '.join('?' * 7)})", row)

    def get(self, prediction_id: str) -> dict | None:
        with self._lock:
            return _get(self._conn, prediction_id)

    def close(self) -> None:
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
