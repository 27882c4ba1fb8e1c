"""Dominant Resource Fairness on the trusted side: the reference allocation, random
fleets, and the fairness properties in the forms that hold for whole tasks.

Exact arithmetic (fractions) throughout: the fleets use capacities that are powers of
two and demands in quarter units, so a float implementation computes the same shares
exactly and ties are real ties.

The properties, for progressive filling with whole tasks (t_j: the dominant share of
one task of tenant j, s_j = n_j * t_j its dominant share, N tenants):

- Pareto efficiency: nothing is over capacity and no tenant's next task fits.
- Envy-freeness up to one task: no tenant could run more of its own tasks in another
  tenant's allocation with one task removed than it runs in its own.  (When j got its
  last task, either i could still grow and had a dominant share at least j's before
  that task, or i was blocked at a resource j could then only add less of than one
  task of i needs.)
- Sharing incentive up to one task of every tenant: s_i >= (1 - sum_j t_j) / N.  (When i
  stopped fitting, every other tenant was at most one task above s_i, and the
  resource i lacked was full but for less than one of its tasks.)
- Strategy-proofness: for divisible demands DRF is strategy-proof (Ghodsi et al.,
  2011).  With whole tasks rounding lets a lie win a little (a task or so of each
  tenant, e.g. by grabbing the last bit of a resource first), so the check allows a
  gain of twice (one lied task + one task of every other tenant) in dominant share,
  and catches schedulers that reward asking for more.
"""

from __future__ import annotations

import math
from fractions import Fraction

from hypothesis import strategies as st

Vector = dict[str, Fraction]

RESOURCE_SETS = [("cpu",), ("cpu", "memory_gb"), ("cpu", "memory_gb", "gpu"), ("memory_gb", "gpu")]
CAPACITIES = [4, 8, 16, 32, 64]
NAMES = ["tenant-a", "tenant-b", "tenant-c", "tenant-d", "tenant-e"]


def exact(v: dict[str, float]) -> Vector:
    return {r: Fraction(x) for r, x in v.items()}


def task_share(demand: Vector, capacity: Vector) -> Fraction:
    return max((amount / capacity[r] for r, amount in demand.items()), default=Fraction(0))


def allocate(capacity: dict[str, float], demands: dict[str, dict[str, float]]) -> dict[str, int]:
    """The reference: progressive filling on dominant shares, ties to the first name."""
    cap = exact(capacity)
    dem = {t: exact(d) for t, d in demands.items()}
    per_task = {t: task_share(d, cap) for t, d in dem.items()}
    tasks = dict.fromkeys(dem, 0)
    used = dict.fromkeys(cap, Fraction(0))
    active = {t for t in dem if per_task[t] > 0}
    while True:
        active = {t for t in active if all(used[r] + a <= cap[r] for r, a in dem[t].items())}
        if not active:
            return tasks
        tenant = min(active, key=lambda t: (tasks[t] * per_task[t], t))
        tasks[tenant] += 1
        for r, a in dem[tenant].items():
            used[r] += a


@st.composite
def fleets(draw: st.DrawFn) -> dict:
    """A fleet and tenants' per-task demands (quarter units, up to half a resource),
    listed in a random order (the order must not matter)."""
    resources = draw(st.sampled_from(RESOURCE_SETS))
    capacity = {r: float(draw(st.sampled_from(CAPACITIES))) for r in resources}
    names = draw(st.permutations(NAMES[: draw(st.integers(2, 5))]))
    demands = {}
    for name in names:
        demand = {r: draw(st.integers(0, int(capacity[r]) * 2)) / 4 for r in resources}
        if not any(demand.values()):
            demand[resources[0]] = 0.25
        demands[name] = demand
    return {"capacity": capacity, "demands": demands}


@st.composite
def fleets_with_a_lie(draw: st.DrawFn) -> dict:
    """A fleet, one tenant, and that tenant's inflated demand (never below the truth)."""
    fleet = draw(fleets())
    liar = draw(st.sampled_from(sorted(fleet["demands"])))
    truth = fleet["demands"][liar]
    lie = {
        r: min(fleet["capacity"][r], amount + draw(st.integers(0, 16)) / 4)
        for r, amount in truth.items()
    }
    if lie == truth:
        r = draw(st.sampled_from([r for r in truth if truth[r] < fleet["capacity"][r]] or [None]))
        if r is not None:
            lie[r] += 0.25
    lied = {"capacity": fleet["capacity"], "demands": {**fleet["demands"], liar: lie}}
    return {"fleet": fleet, "liar": liar, "lied": lied}


def _runs(demand: Vector, bundle: Vector) -> int:
    """How many tasks of `demand` fit in `bundle`."""
    return math.floor(min(bundle.get(r, Fraction(0)) / a for r, a in demand.items() if a > 0))


def pareto_violation(fleet: dict, tasks: dict[str, int]) -> str:
    cap = exact(fleet["capacity"])
    dem = {t: exact(d) for t, d in fleet["demands"].items()}
    used = {r: sum(tasks.get(t, 0) * d.get(r, 0) for t, d in dem.items()) for r in cap}
    over = [r for r in cap if used[r] > cap[r]]
    if over:
        return f"the allocation {tasks} uses more {', '.join(over)} than the fleet has"
    for t, d in dem.items():
        if task_share(d, cap) > 0 and all(used[r] + a <= cap[r] for r, a in d.items()):
            return f"{t}'s next task still fits in what {tasks} leaves idle"
    return ""


def envy_violation(fleet: dict, tasks: dict[str, int]) -> str:
    dem = {t: exact(d) for t, d in fleet["demands"].items()}
    for i, di in dem.items():
        if not any(di.values()):
            continue
        for j, dj in dem.items():
            if i == j or tasks[j] == 0:
                continue
            could = _runs(di, {r: (tasks[j] - 1) * a for r, a in dj.items()})
            if could > tasks[i]:
                return (
                    f"{i} runs {tasks[i]} tasks, but could run {could} of its own in {j}'s "
                    f"allocation ({tasks[j]} tasks) even with one of them taken away"
                )
    return ""


def sharing_violation(fleet: dict, tasks: dict[str, int]) -> str:
    cap = exact(fleet["capacity"])
    t = {name: task_share(exact(d), cap) for name, d in fleet["demands"].items()}
    t = {name: share for name, share in t.items() if share > 0}
    floor = (1 - sum(t.values())) / len(t)
    for name, share in t.items():
        if tasks[name] * share < floor:
            return (
                f"{name} ends with a dominant share of {float(tasks[name] * share):.3f}, below "
                f"1/{len(t)} of the fleet less one task of every tenant ({float(floor):.3f})"
            )
    return ""


def lie_gain(case: dict, truthful: dict[str, int], lied: dict[str, int]) -> tuple[int, int, str]:
    """(useful tasks when lying, tasks when truthful, a violation message or "")."""
    cap = exact(case["fleet"]["capacity"])
    liar = case["liar"]
    truth = exact(case["fleet"]["demands"][liar])
    lie = exact(case["lied"]["demands"][liar])
    useful = _runs(truth, {r: lied[liar] * a for r, a in lie.items()})
    others = sum(
        task_share(exact(d), cap) for name, d in case["fleet"]["demands"].items() if name != liar
    )
    allowance = 2 * (task_share(lie, cap) + others)
    gain = (useful - truthful[liar]) * task_share(truth, cap)
    if gain > allowance:
        return (
            useful,
            truthful[liar],
            (
                f"{liar} asked for {case['lied']['demands'][liar]} per task instead of its real "
                f"{case['fleet']['demands'][liar]} and ended with {useful} useful tasks instead of "
                f"{truthful[liar]}: far more than rounding explains"
            ),
        )
    return useful, truthful[liar], ""
