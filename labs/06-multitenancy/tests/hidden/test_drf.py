"""Check group `drf`: the fleet scheduler allocates by Dominant Resource Fairness.

The student's `allocate` runs in a sandboxed process; many fleets go in one call
(`allocate_batch`).  Fleets are generated with hypothesis (derandomized by the
grader, so every grading sees the same ones) and checked on the trusted side.
"""

from __future__ import annotations

from fairness import (
    allocate,
    envy_violation,
    fleets,
    fleets_with_a_lie,
    lie_gain,
    pareto_violation,
    sharing_violation,
)
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

BATCH = 40
EXAMPLES = 4
DRF = (
    "Dominant Resource Fairness: repeatedly give one task to the tenant with the lowest "
    "dominant share (its largest share of any one resource) whose next task still fits, "
    "ties to the name that sorts first, until no tenant's next task fits."
)
# No shrinking: every step would start the student's code again; the first failing batch
# is reported as it is.
batches = settings(max_examples=EXAMPLES, phases=[Phase.generate])


def _run(student_call, cases: list[dict]) -> list[dict[str, int]]:
    result = student_call("tenancy.drf:allocate_batch", cases, timeout_s=60)
    assert isinstance(result, list) and len(result) == len(cases), (
        "tenancy.drf.allocate_batch(cases) must return one allocation per case"
    )
    for case, tasks in zip(cases, result, strict=True):
        assert isinstance(tasks, dict) and set(tasks) == set(case["demands"]), (
            f"allocate must return a task count for every tenant of {sorted(case['demands'])}, "
            f"got {tasks}"
        )
    return result


def test_ghodsi_worked_example(student_call):
    fleet = {
        "capacity": {"cpu": 9.0, "memory_gb": 18.0},
        "demands": {"A": {"cpu": 1.0, "memory_gb": 4.0}, "B": {"cpu": 3.0, "memory_gb": 1.0}},
    }
    [tasks] = _run(student_call, [fleet])
    assert tasks == {"A": 3, "B": 2}, (
        f"on the paper's example (9 CPUs, 18 GB; A's tasks need <1 CPU, 4 GB>, B's <3 CPU, "
        f"1 GB>) DRF gives A 3 tasks and B 2, equalising their dominant shares at 2/3; got "
        f"{tasks}. " + DRF
    )


def test_a_large_backlog_does_not_starve_the_others(student_call):
    fleet = {
        "capacity": {"cpu": 64.0, "memory_gb": 256.0, "gpu": 8.0},
        "demands": {
            "tenant-c": {"cpu": 0.5, "memory_gb": 2.0, "gpu": 0.0},
            "tenant-a": {"cpu": 4.0, "memory_gb": 16.0, "gpu": 1.0},
            "tenant-b": {"cpu": 2.0, "memory_gb": 4.0, "gpu": 0.0},
        },
    }
    [tasks] = _run(student_call, [fleet])
    expected = allocate(**fleet)
    assert tasks == expected, (
        f"ranking (tenant-c) queued a thousand small tasks first, then vision (GPU tasks) and "
        f"speech (CPU tasks) asked: DRF gives {expected}, the scheduler gave {tasks}. The "
        "order of submission must not matter. " + DRF
    )


@batches
@given(st.lists(fleets(), min_size=BATCH, max_size=BATCH))
def test_matches_the_reference_on_random_fleets(student_call, cases):
    for case, tasks in zip(cases, _run(student_call, cases), strict=True):
        expected = allocate(**case)
        assert tasks == expected, (
            f"on the fleet {case['capacity']} with per-task demands {case['demands']} DRF "
            f"gives {expected}; the scheduler gave {tasks}. " + DRF
        )


@batches
@given(st.lists(fleets(), min_size=BATCH, max_size=BATCH))
def test_pareto_efficient(student_call, cases):
    for case, tasks in zip(cases, _run(student_call, cases), strict=True):
        problem = pareto_violation(case, tasks)
        assert not problem, (
            f"not Pareto-efficient on the fleet {case['capacity']} with per-task demands "
            f"{case['demands']}: {problem}. A fair scheduler still leaves no task waiting "
            "that would fit: it stops only when no tenant's next task fits."
        )


@batches
@given(st.lists(fleets(), min_size=BATCH, max_size=BATCH))
def test_envy_free_up_to_one_task(student_call, cases):
    for case, tasks in zip(cases, _run(student_call, cases), strict=True):
        problem = envy_violation(case, tasks)
        assert not problem, (
            f"not envy-free (up to one task) on the fleet {case['capacity']} with per-task "
            f"demands {case['demands']}: {problem}. Equalising dominant shares means no tenant "
            "would rather have another's allocation."
        )


@batches
@given(st.lists(fleets(), min_size=BATCH, max_size=BATCH))
def test_sharing_incentive(student_call, cases):
    for case, tasks in zip(cases, _run(student_call, cases), strict=True):
        problem = sharing_violation(case, tasks)
        assert not problem, (
            f"no sharing incentive on the fleet {case['capacity']} with per-task demands "
            f"{case['demands']}: {problem}. Every team must get at least what its own 1/N "
            "slice of the fleet would give it, or it is better off without the shared fleet."
        )


@batches
@given(st.lists(fleets_with_a_lie(), min_size=BATCH // 2, max_size=BATCH // 2))
def test_inflating_a_demand_does_not_pay(student_call, cases):
    flat = [c for case in cases for c in (case["fleet"], case["lied"])]
    results = _run(student_call, flat)
    for n, case in enumerate(cases):
        _, _, problem = lie_gain(case, results[2 * n], results[2 * n + 1])
        assert not problem, (
            f"not strategy-proof on the fleet {case['fleet']['capacity']} with per-task demands "
            f"{case['fleet']['demands']}: {problem}. Under DRF, claiming to need more than you "
            "do never gets you more work done (up to rounding with whole tasks)."
        )
