"""Token buckets: a sustained rate with room for bursts, one bucket per tenant.

A tenant's bucket is its own: a noisy tenant empties its bucket and gets 429s, and
the quiet tenants never notice.  Refusing is the cheap path (no model call), so a
tenant far above its limit costs the platform little.
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
    """One bucket per tenant, sized by that tenant's contract."""

    def __init__(self, tenants: dict[str, Tenant]) -> None:
        self._buckets = {name: TokenBucket(t.rate_per_s, t.burst) for name, t in tenants.items()}

    def take(self, tenant: str) -> float:
        return self._buckets[tenant].take()
