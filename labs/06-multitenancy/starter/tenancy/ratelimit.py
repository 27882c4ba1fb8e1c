"""Rate limiting with a token bucket: a sustained rate with room for bursts.

The gateway's capacity is what the tenants' contracts add up to, so one bucket of
that size protects it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from tenancy.config import Tenant


class TokenBucket:
    def __init__(
        self, rate_per_s: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._updated = clock()
        self._lock = threading.Lock()

    def take(self) -> float:
        """Take a token: 0.0 when granted, else the seconds until one will be available."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate_per_s)
            self._updated = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self.rate_per_s


class TenantLimiter:
    """The platform's request budget: the sum of the tenants' rates and bursts."""

    def __init__(self, tenants: dict[str, Tenant]) -> None:
        self._bucket = TokenBucket(
            sum(t.rate_per_s for t in tenants.values()), sum(t.burst for t in tenants.values())
        )

    def take(self, tenant: str) -> float:
        return self._bucket.take()
