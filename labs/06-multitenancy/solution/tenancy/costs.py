"""Cost attribution: who pays which part of the fleet's bill.

Each resource's bill is split in proportion to the resource-seconds each tenant held
(cpu-seconds, GB-seconds, gpu-seconds).  Wall time alone would make a tenant holding
one small CPU for an hour pay as much as one holding eight GPUs for an hour.  When
nobody used a resource, its bill is split equally among the tenants in the usage.
"""

from __future__ import annotations

from collections import defaultdict


def attribute(usage: list[dict], bill: dict[str, float]) -> dict[str, float]:
    """Dollars per tenant; the values sum to the whole bill (when there is any usage).

    usage: records {"tenant", "seconds", and the amount held of each resource of the bill}.
    bill: dollars per resource, e.g. {"cpu": 2400.0, "memory_gb": 600.0, "gpu": 9000.0}.
    """
    tenants = list(dict.fromkeys(u["tenant"] for u in usage))
    costs = dict.fromkeys(tenants, 0.0)
    for resource, dollars in bill.items():
        held: dict[str, float] = defaultdict(float)
        for u in usage:
            held[u["tenant"]] += float(u.get(resource, 0.0)) * float(u["seconds"])
        total = sum(held.values())
        for tenant in tenants:
            share = held[tenant] / total if total > 0 else 1 / len(tenants)
            costs[tenant] += dollars * share
    return costs
