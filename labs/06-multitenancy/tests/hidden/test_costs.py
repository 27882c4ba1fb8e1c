"""Check group `costs`: the fleet's bill is split by resource-seconds and adds up."""

from __future__ import annotations

import random
from collections import defaultdict

from orbital import BILL, FINANCE_KEY, auth

RESOURCE_SECONDS = (
    "Split each resource's part of the bill in proportion to the resource-seconds each "
    "tenant held (cpu-seconds, GB-seconds, gpu-seconds): wall time alone bills a tenant "
    "holding one CPU for an hour like one holding eight GPUs for an hour."
)


def expected(usage: list[dict], bill: dict[str, float]) -> dict[str, float]:
    tenants = list(dict.fromkeys(u["tenant"] for u in usage))
    costs = dict.fromkeys(tenants, 0.0)
    for resource, dollars in bill.items():
        held: dict[str, float] = defaultdict(float)
        for u in usage:
            held[u["tenant"]] += u.get(resource, 0.0) * u["seconds"]
        total = sum(held.values())
        for t in tenants:
            costs[t] += dollars * (held[t] / total if total else 1 / len(tenants))
    return costs


def random_usage(seed: int) -> list[dict]:
    rng = random.Random(seed)
    usage = [
        {
            "tenant": rng.choice(["tenant-a", "tenant-b", "tenant-c"]),
            "cpu": rng.choice([0.5, 1, 2, 4, 8]),
            "memory_gb": rng.choice([1, 2, 4, 16, 64]),
            "gpu": rng.choice([0, 0, 0, 1, 2, 4]),
            "seconds": rng.choice([30, 600, 3600, 36000]),
        }
        for _ in range(rng.randint(3, 30))
    ]
    usage.append({"tenant": "tenant-a", "cpu": 1, "memory_gb": 1, "gpu": 1, "seconds": 60})
    return usage


def _close(got: dict, want: dict) -> bool:
    return set(got) == set(want) and all(
        abs(got[t] - want[t]) <= 0.01 * max(1.0, abs(want[t])) for t in want
    )


def test_costs_sum_to_the_bill(student_call):
    total = sum(BILL.values())
    for seed in (1, 2, 3):
        costs = student_call("tenancy.costs:attribute", random_usage(seed), BILL)
        got = sum(costs.values()) if isinstance(costs, dict) else costs
        assert isinstance(costs, dict) and abs(got - total) <= 0.01 * total, (
            f"the attributed costs add up to {got}, the bill is {total}: every dollar of the "
            "bill must be attributed to somebody"
        )


def test_costs_follow_resource_seconds(student_call):
    usage = [
        {"tenant": "tenant-a", "cpu": 4, "memory_gb": 16, "gpu": 4, "seconds": 3600},
        {"tenant": "tenant-b", "cpu": 2, "memory_gb": 4, "gpu": 0, "seconds": 36000},
        {"tenant": "tenant-c", "cpu": 1, "memory_gb": 64, "gpu": 0, "seconds": 18000},
    ]
    costs = student_call("tenancy.costs:attribute", usage, BILL)
    want = expected(usage, BILL)
    assert isinstance(costs, dict) and _close(costs, want), (
        "vision held 4 GPUs for an hour, speech 2 CPUs for ten hours, ranking 64 GB for five "
        f"hours: by resource-seconds that is {_rounded(want)}; got {_rounded(costs)}. "
        + RESOURCE_SECONDS
    )


def test_costs_of_random_usage(student_call):
    for seed in (4, 5):
        usage = random_usage(seed)
        costs = student_call("tenancy.costs:attribute", usage, BILL)
        want = expected(usage, BILL)
        assert isinstance(costs, dict) and _close(costs, want), (
            f"for {len(usage)} jobs the split by resource-seconds is {_rounded(want)}; got "
            f"{_rounded(costs)}. " + RESOURCE_SECONDS
        )


def test_cost_report_of_the_gateway(http):
    job = {"cpu": 0.25, "memory_gb": 0.5, "gpu": 0, "duration_s": 5}
    r = http.post("/v1/tenant-c/jobs", json=job, headers=auth("tenant-c"))
    assert r.status_code == 201, f"a small job of tenant-c was not admitted ({r.status_code})"
    r = http.get("/v1/costs", headers=auth("tenant-c"))
    assert r.status_code in (401, 403), (
        f"GET /v1/costs with a tenant's key answered {r.status_code}: every tenant's costs are "
        "for the finance key only"
    )
    r = http.get("/v1/costs", headers={"Authorization": f"Bearer {FINANCE_KEY}"})
    assert r.status_code == 200, f"GET /v1/costs with the finance key answered {r.status_code}"
    report = r.json()
    usage, costs = report.get("usage", []), report.get("costs", {})
    assert any(u.get("tenant") == "tenant-c" and u.get("seconds") == 5 for u in usage), (
        "the job just admitted is not in the report's usage: every admitted job is billed"
    )
    want = expected(usage, BILL)
    assert _close(costs, want), (
        f"the gateway's cost report {_rounded(costs)} does not split the bill by the "
        f"resource-seconds of its own usage ({_rounded(want)}). " + RESOURCE_SECONDS
    )


def _rounded(costs) -> dict:
    return {t: round(v, 2) for t, v in costs.items()} if isinstance(costs, dict) else costs
