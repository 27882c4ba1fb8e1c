"""The job ledger: every admitted job, appended to a JSON-lines file.

Finance splits the bill from it, so a job must be in the ledger once it is admitted.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any


class Ledger:
    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._records: list[dict[str, Any]] = [
            json.loads(line) for line in self._lines() if line.strip()
        ]

    def _lines(self) -> list[str]:
        return self.path.read_text(encoding="utf-8").splitlines() if self.path.exists() else []

    def _write(self, record: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
            handle.flush()

    async def append(self, record: dict[str, Any]) -> None:
        """Durable before it returns; the file write runs off the event loop."""
        await asyncio.to_thread(self._write, record)
        self._records.append(record)

    def records(self) -> list[dict[str, Any]]:
        return list(self._records)
