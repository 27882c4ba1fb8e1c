"""Resilience building blocks: backoff, a circuit breaker, a retry helper.

`backoff_delay` and `CircuitBreaker` are part of the lab's contract (the grader
drives them with its own clock and random numbers through `gateway.probes`), so keep
their names and signatures.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Seconds to wait before retry number `attempt` (0 = the first retry).

    Exponential backoff.  (Not used by the retry helper yet: retries go out at once.)
    """
    return base * 2**attempt


class CircuitBreaker:
    """Opens after `failure_threshold` consecutive failures so we stop calling a
    dependency that is down."""

    def __init__(
        self,
        failure_threshold: int,
        reset_timeout_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failure_threshold = failure_threshold
        self.reset_timeout_s = reset_timeout_s
        self.clock = clock
        self.state = CLOSED
        self.failures = 0
        self.opened_at = 0.0

    def allow(self) -> bool:
        return self.state == CLOSED

    def record_success(self) -> None:
        self.failures = 0

    def record_failure(self) -> None:
        self.failures += 1
        if self.failures >= self.failure_threshold:
            self.state = OPEN
            self.opened_at = self.clock()


async def retry(call: Callable[[], Awaitable[T]], attempts: int = 3) -> T:
    """Try again when a call fails: the network is flaky."""
    for attempt in range(attempts):
        try:
            return await call()
        except Exception:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")
