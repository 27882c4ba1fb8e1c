"""Wall time per grading phase: part of every result, so slow phases are visible."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class PhaseTimer:
    def __init__(self, on_phase: Callable[[str], None] | None = None) -> None:
        self._started = time.monotonic()
        self.phases: dict[str, float] = {}
        self._on_phase = on_phase or (lambda _: None)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        self._on_phase(name)
        began = time.monotonic()
        try:
            yield
        finally:
            self.phases[f"{name}_s"] = round(
                self.phases.get(f"{name}_s", 0.0) + time.monotonic() - began, 3
            )

    def elapsed(self) -> float:
        return time.monotonic() - self._started

    def summary(self) -> dict[str, float]:
        return self.phases | {"total_s": round(self.elapsed(), 3)}
