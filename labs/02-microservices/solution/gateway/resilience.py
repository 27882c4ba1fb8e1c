"""Resilience building blocks: backoff with jitter, a circuit breaker, a retry loop.

`backoff_delay` and `CircuitBreaker` are part of the lab's contract (the grader
drives them with its own clock and random numbers through `gateway.probes`).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

T = TypeVar("T")

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Seconds to wait before retry number `attempt` (0 = the first retry).

    "Full jitter" (AWS Builders' Library): uniform in [0, min(cap, base * 2**attempt)].
    The exponential ceiling spreads retries out as a failure persists; the random
    draw below it keeps many clients that failed together from retrying together.
    """
    ceiling = min(cap, base * 2.0 ** min(attempt, 64))  # 2**64 * base is past any cap
    return rng.uniform(0.0, ceiling)


class CircuitBreaker:
    """Closed -> (k consecutive failures) -> open -> (reset timeout) -> half-open.

    Half-open lets exactly one probe call through; its success closes the breaker,
    its failure opens it again for another full reset timeout.  Every other caller
    is refused while open or while the probe is in flight: they get the fallback at
    once and the sick dependency gets room to recover.
    """

    def __init__(
        self,
        failure_threshold: int,
        reset_timeout_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failure_threshold = failure_threshold
        self.reset_timeout_s = reset_timeout_s
        self.clock = clock
        self._state = CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probe_in_flight = False

    @property
    def state(self) -> str:
        if self._state == OPEN and self.clock() - self._opened_at >= self.reset_timeout_s:
            return HALF_OPEN
        return self._state

    def allow(self) -> bool:
        """May a call go out now?  In half-open, True for exactly one caller."""
        if self._state == CLOSED:
            return True
        if self._state == OPEN:
            if self.clock() - self._opened_at < self.reset_timeout_s:
                return False
            self._state, self._probe_in_flight = HALF_OPEN, False
        if self._probe_in_flight:
            return False
        self._probe_in_flight = True
        return True

    def record_success(self) -> None:
        self._state, self._failures, self._probe_in_flight = CLOSED, 0, False

    def record_failure(self) -> None:
        if self._state == HALF_OPEN:
            self._open()
        elif self._state == CLOSED:
            self._failures += 1
            if self._failures >= self.failure_threshold:
                self._open()
        # OPEN: a call that was already in flight when the breaker opened; nothing new

    def _open(self) -> None:
        self._state, self._opened_at = OPEN, self.clock()
        self._failures, self._probe_in_flight = 0, False


class Unavailable(Exception):
    """A dependency gave no usable answer; the message says why (for `reason`)."""


class RetryableStatus(Exception):
    """A 5xx or 429 answer: the dependency is struggling, the call may be retried."""


async def call_with_retries(
    send: Callable[[], Awaitable[T]],
    *,
    name: str,
    breaker: CircuitBreaker,
    timeout_s: float,
    retries: int,
    deadline: float,
    base: float,
    cap: float,
    rng: random.Random,
) -> T:
    """One idempotent call, retried with backoff, inside the breaker and the deadline.

    This is the only retry layer: the HTTP client below it never retries.  Each
    attempt counts for the breaker; an open breaker or a spent deadline ends the
    loop at once.
    """
    why = "no attempt"
    for attempt in range(retries + 1):
        remaining = deadline - time.monotonic()
        if remaining <= 0.01:
            raise Unavailable(f"{name}: deadline spent ({why})")
        if not breaker.allow():
            raise Unavailable(f"{name}: circuit open")
        try:
            async with asyncio.timeout(min(timeout_s, remaining)):
                result = await send()
        except TimeoutError:
            breaker.record_failure()
            why = f"timed out after {min(timeout_s, remaining):.2f} s"
        except Unavailable:
            breaker.record_success()  # a 4xx: the dependency is fine, the request is not
            raise
        except (httpx.HTTPError, RetryableStatus) as exc:
            breaker.record_failure()
            why = str(exc) or type(exc).__name__
        except BaseException:
            breaker.record_failure()  # never leave a half-open probe unresolved
            raise
        else:
            breaker.record_success()
            return result
        if attempt < retries:
            delay = backoff_delay(attempt, base, cap, rng)
            if time.monotonic() + delay >= deadline:
                break
            await asyncio.sleep(delay)
    raise Unavailable(f"{name}: {why}")


def check_status(response: httpx.Response, name: str) -> Any:
    if response.status_code >= 500 or response.status_code == 429:
        raise RetryableStatus(f"{name} answered {response.status_code}")
    if response.status_code >= 400:
        raise Unavailable(f"{name} refused the request ({response.status_code})")
    return response.json()
