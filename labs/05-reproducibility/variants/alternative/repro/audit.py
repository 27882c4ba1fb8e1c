"""The audit log as an append-only JSON Lines file, fsync'ed before each answer."""

from __future__ import annotations

import json
import os
import threading


class AuditLog:
    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._index: dict[str, dict] = {r["prediction_id"]: r for r in _scan(path)}
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def append(self, record: dict) -> None:
        line = (json.dumps(record, sort_keys=True) + "\n").encode()
        with self._lock:
            os.write(self._fd, line)
            os.fsync(self._fd)
            self._index[record["prediction_id"]] = record

    def get(self, prediction_id: str) -> dict | None:
        return self._index.get(prediction_id)

    def close(self) -> None:
        os.close(self._fd)


def _scan(path: str):
    if not os.path.exists(path):
        return
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.endswith("\n"):  # a torn last line (crash mid-write) was never answered
                yield json.loads(line)


def read(path: str, prediction_id: str) -> dict | None:
    return next((r for r in _scan(path) if r["prediction_id"] == prediction_id), None)
