"""Wall time per grading phase: part of every result, so slow phases are visible."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class PhaseTimer:
    def __init__(self, on_phase: Callable[[str], None] | None = None) -> None:
        self._started = time.monotonic()
        self.phases: dict[str, float] = {}
        self.current: str | None = None
        """The phase running now."""
        self.last: str | None = None
        """The phase entered last (an interrupted run says which one it stopped in)."""
        self._on_phase = on_phase or (lambda _: None)

    @contextmanager
    def phase(self, name: str, *, announce: bool = True) -> Iterator[None]:
        if announce:
            self._on_phase(name)
        began, outer = time.monotonic(), self.current
        self.current = name if announce else outer
        self.last = self.current or self.last
        try:
            yield
        finally:
            self.current = outer
            self.phases[f"{name}_s"] = round(
                self.phases.get(f"{name}_s", 0.0) + time.monotonic() - began, 3
            )

    def elapsed(self, excluding: tuple[str, ...] = ()) -> float:
        """Seconds since the start, less the time spent in the phases named."""
        spent = sum(self.phases.get(f"{name}_s", 0.0) for name in excluding)
        return time.monotonic() - self._started - spent

    def summary(self) -> dict[str, float]:
        return self.phases | {"total_s": round(self.elapsed(), 3)}
