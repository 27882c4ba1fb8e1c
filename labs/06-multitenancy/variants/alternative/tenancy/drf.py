"""Dominant Resource Fairness with a heap of (dominant share, tenant).

Once a tenant's next task does not fit it never will (usage only grows), so a tenant
popped with a task that does not fit is dropped for good.
"""

from __future__ import annotations

import heapq

Vector = dict[str, float]


def allocate(capacity: Vector, demands: dict[str, Vector]) -> dict[str, int]:
    left = dict(capacity)
    tasks = dict.fromkeys(demands, 0)
    step: dict[str, float] = {}
    for tenant, demand in demands.items():
        needed = {r: a for r, a in demand.items() if a > 0}
        if needed and all(capacity.get(r, 0) > 0 for r in needed):
            step[tenant] = max(a / capacity[r] for r, a in needed.items())
    heap = [(0.0, tenant) for tenant in step]
    heapq.heapify(heap)
    while heap:
        _, tenant = heapq.heappop(heap)
        demand = demands[tenant]
        if any(a > left.get(r, 0.0) for r, a in demand.items()):
            continue
        for r, a in demand.items():
            left[r] = left.get(r, 0.0) - a
        tasks[tenant] += 1
        heapq.heappush(heap, (tasks[tenant] * step[tenant], tenant))
    return tasks


def allocate_batch(cases: list[dict]) -> list[dict[str, int]]:
    return [allocate(case["capacity"], case["demands"]) for case in cases]
