"""Cost attribution: who pays which part of the fleet's bill.

The bill is split in proportion to the time each tenant's jobs ran.
"""

from __future__ import annotations

from collections import defaultdict


def attribute(usage: list[dict], bill: dict[str, float]) -> dict[str, float]:
    """Dollars per tenant; the values sum to the whole bill (when there is any usage).

    usage: records {"tenant", "seconds", and the amount held of each resource of the bill}.
    bill: dollars per resource, e.g. {"cpu": 2400.0, "memory_gb": 600.0, "gpu": 9000.0}.
    """
    seconds: dict[str, float] = defaultdict(float)
    for u in usage:
        seconds[u["tenant"]] += float(u["seconds"])
    total_time, total_bill = sum(seconds.values()), sum(bill.values())
    return {
        tenant: total_bill * (s / total_time if total_time > 0 else 1 / len(seconds))
        for tenant, s in seconds.items()
    }
