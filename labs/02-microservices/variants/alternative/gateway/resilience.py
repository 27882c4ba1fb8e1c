"""Backoff and a thread-safe circuit breaker (alternative variant)."""

from __future__ import annotations

import enum
import random
import threading
import time
from collections.abc import Callable


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Equal jitter: half the capped exponential ceiling, plus a random half."""
    ceiling = min(cap, base * (2.0 ** min(attempt, 60)))
    return ceiling / 2 + rng.random() * (ceiling / 2)


class State(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    def __init__(
        self,
        failure_threshold: int,
        reset_timeout_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.k = failure_threshold
        self.reset = reset_timeout_s
        self.clock = clock
        self.lock = threading.Lock()
        self.state = State.CLOSED
        self.consecutive = 0
        self.open_until = 0.0
        self.probe_taken = False

    def allow(self) -> bool:
        with self.lock:
            if self.state is State.OPEN and self.clock() >= self.open_until:
                self.state, self.probe_taken = State.HALF_OPEN, False
            if self.state is State.CLOSED:
                return True
            if self.state is State.HALF_OPEN and not self.probe_taken:
                self.probe_taken = True
                return True
            return False

    def record_success(self) -> None:
        with self.lock:
            self.state, self.consecutive = State.CLOSED, 0

    def record_failure(self) -> None:
        with self.lock:
            if self.state is State.HALF_OPEN:
                self._trip()
                return
            if self.state is State.CLOSED:
                self.consecutive += 1
                if self.consecutive >= self.k:
                    self._trip()

    def _trip(self) -> None:
        self.state = State.OPEN
        self.open_until = self.clock() + self.reset
        self.consecutive = 0
