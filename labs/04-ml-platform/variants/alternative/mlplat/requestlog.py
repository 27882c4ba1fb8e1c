"""The prediction log as JSON lines: append-only, one line per served prediction."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any


class RequestLog:
    def __init__(self, path: str) -> None:
        self.path = Path(path).with_suffix(".jsonl")
        self.path.touch()
        self._lock = threading.Lock()

    def write(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, sort_keys=True) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(line)

    def read(self, restaurant_id: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        with self._lock:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for line in lines]
        if restaurant_id is not None:
            rows = [r for r in rows if r["restaurant_id"] == restaurant_id]
        return rows[-limit:]
