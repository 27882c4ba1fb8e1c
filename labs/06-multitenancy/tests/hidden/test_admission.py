"""Check group `admission`: job admission against the tenant's quota is atomic.

Forty submissions arrive at once (one HTTP connection each); whatever the
interleaving, the tenant's running jobs must never hold more than its quota, and the
quota must still be used (exactly as many jobs as fit are admitted).
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from orbital import QUOTAS, auth

ATOMIC = (
    "Check-then-insert is a race: every concurrent submission sees the same free quota "
    "before any of them is recorded. Check and reserve atomically (a per-tenant lock "
    "around check and insert, with no await between the check and the reservation)."
)


async def _submit_all(url: str, tenant: str, job: dict, count: int) -> list[int]:
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        answers = await asyncio.gather(
            *(
                client.post(f"/v1/{tenant}/jobs", json=job, headers=auth(tenant))
                for _ in range(count)
            )
        )
    return [a.status_code for a in answers]


def test_admission_follows_the_quota(http):
    small = {"cpu": 1, "memory_gb": 1, "gpu": 0, "duration_s": 1}
    too_big = {"cpu": 1, "memory_gb": 1, "gpu": 3, "duration_s": 1}
    r = http.post("/v1/tenant-a/jobs", json=small, headers=auth("tenant-a"))
    assert r.status_code == 201, f"a small job of tenant-a was not admitted ({r.status_code})"
    r = http.post("/v1/tenant-a/jobs", json=too_big, headers=auth("tenant-a"))
    assert r.status_code == 409, (
        f"a job asking for 3 GPUs from tenant-a (quota: 2 GPUs) answered {r.status_code}; a job "
        "that does not fit in what the tenant's running jobs leave of its quota is refused "
        "with 409"
    )


@pytest.mark.parametrize(
    ("tenant", "job", "fits"),
    [
        ("tenant-b", {"cpu": 1, "memory_gb": 1, "gpu": 0, "duration_s": 8}, 4),
        ("tenant-c", {"cpu": 0.5, "memory_gb": 5, "gpu": 0, "duration_s": 8}, 4),
        ("tenant-a", {"cpu": 0.5, "memory_gb": 1, "gpu": 1, "duration_s": 8}, 2),
    ],
    ids=["cpu-bound", "memory-bound", "gpu-bound"],
)
def test_concurrent_submissions_never_exceed_the_quota(services, http, tenant, job, fits):
    codes = asyncio.run(_submit_all(services.url("gateway"), tenant, job, 40))
    admitted = codes.count(201)
    refused = sum(1 for c in codes if c in (403, 409))
    assert admitted <= fits, (
        f"40 concurrent submissions of {job} for {tenant} (quota {QUOTAS[tenant]}): {admitted} "
        f"were admitted, only {fits} fit. " + ATOMIC
    )
    assert admitted == fits and refused == 40 - admitted, (
        f"40 concurrent submissions of {job} for {tenant}: {admitted} admitted, {refused} "
        f"refused with 409, answers {sorted(set(codes))}; exactly {fits} fit in the quota "
        "(admit what fits, refuse the rest with 409)"
    )
    used = http.get(f"/v1/{tenant}/jobs", headers=auth(tenant)).json()["used"]
    quota = QUOTAS[tenant]
    over = {r: used[r] for r in ("cpu", "memory_gb", "gpu") if used[r] > quota[r] + 1e-9}
    assert not over, f"GET /v1/{tenant}/jobs reports {used}, over the quota {quota}"
