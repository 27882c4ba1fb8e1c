"""Per-tenant rate limits with GCRA (the generic cell rate algorithm).

Instead of a token count, each tenant has a theoretical arrival time (TAT): a request
is allowed when it is no earlier than TAT minus the burst tolerance, and moves TAT one
emission interval on.  Equivalent to a token bucket; one float per tenant.
"""

from __future__ import annotations

import time

from tenancy.config import Tenant


class TenantLimiter:
    def __init__(self, tenants: dict[str, Tenant]) -> None:
        self._interval = {n: 1.0 / t.rate_per_s for n, t in tenants.items()}
        self._tolerance = {n: (t.burst - 1) / t.rate_per_s for n, t in tenants.items()}
        self._tat = dict.fromkeys(tenants, 0.0)

    def take(self, tenant: str) -> float:
        """0.0 when allowed, else the seconds until the next request would be."""
        now = time.monotonic()
        tat = max(self._tat[tenant], now)
        earliest = tat - self._tolerance[tenant]
        if now < earliest:
            return earliest - now
        self._tat[tenant] = tat + self._interval[tenant]
        return 0.0
