"""Resilience building blocks: backoff with jitter and a retry loop.

Variant `no-breaker`: the reference solution with the circuit breaker removed.
Timeouts, one retry layer with jittered backoff, the fallback and asynchronous
monitoring are all there, so every functional check passes; but a failing model
keeps receiving (1 + MAX_RETRIES) calls per prediction and every prediction pays
its timeouts while the model is slow.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

T = TypeVar("T")


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Seconds to wait before retry number `attempt` (0 = the first retry).

    "Full jitter" (AWS Builders' Library): uniform in [0, min(cap, base * 2**attempt)].
    The exponential ceiling spreads retries out as a failure persists; the random
    draw below it keeps many clients that failed together from retrying together.
    """
    ceiling = min(cap, base * 2.0 ** min(attempt, 64))  # 2**64 * base is past any cap
    return rng.uniform(0.0, ceiling)


class Unavailable(Exception):
    """A dependency gave no usable answer; the message says why (for `reason`)."""


class RetryableStatus(Exception):
    """A 5xx or 429 answer: the dependency is struggling, the call may be retried."""


async def call_with_retries(
    send: Callable[[], Awaitable[T]],
    *,
    name: str,
    timeout_s: float,
    retries: int,
    deadline: float,
    base: float,
    cap: float,
    rng: random.Random,
) -> T:
    """One idempotent call, retried with backoff, inside the deadline."""
    why = "no attempt"
    for attempt in range(retries + 1):
        remaining = deadline - time.monotonic()
        if remaining <= 0.01:
            raise Unavailable(f"{name}: deadline spent ({why})")
        try:
            async with asyncio.timeout(min(timeout_s, remaining)):
                result = await send()
        except TimeoutError:
            why = f"timed out after {min(timeout_s, remaining):.2f} s"
        except (httpx.HTTPError, RetryableStatus) as exc:
            why = str(exc) or type(exc).__name__
        else:
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
