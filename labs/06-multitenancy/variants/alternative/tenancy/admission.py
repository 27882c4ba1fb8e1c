"""Job admission: reserve first, then persist.

The check and the reservation are one synchronous step: no await between them, so
on the event loop no other submission can run in between.  Persisting comes after;
if it fails the reservation is released.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass

from tenancy.config import Quota, Tenant
from tenancy.ledger import Ledger

RESOURCES = ("cpu", "memory_gb", "gpu")


class QuotaExceeded(Exception):
    """The job does not fit in what the tenant's running jobs leave of its quota."""


@dataclass(frozen=True)
class Job:
    job_id: str
    tenant: str
    cpu: float
    memory_gb: float
    gpu: int
    duration_s: float
    started_at: float

    @property
    def ends_at(self) -> float:
        return self.started_at + self.duration_s

    def as_dict(self) -> dict:
        return asdict(self) | {"ends_at": self.ends_at}


def limits(quota: Quota) -> dict[str, float]:
    return {r: getattr(quota, r) for r in RESOURCES}


class Admission:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._jobs: dict[str, dict[str, Job]] = {}

    def running(self, tenant: str) -> list[Job]:
        now = time.time()
        jobs = self._jobs.setdefault(tenant, {})
        for job_id in [i for i, j in jobs.items() if j.ends_at <= now]:
            del jobs[job_id]
        return list(jobs.values())

    def used(self, tenant: str) -> dict[str, float]:
        return {r: sum(getattr(j, r) for j in self.running(tenant)) for r in RESOURCES}

    def _reserve(self, tenant: Tenant, job: Job) -> None:
        used = self.used(tenant.name)
        for r, cap in limits(tenant.quota).items():
            if used[r] + getattr(job, r) > cap:
                raise QuotaExceeded(f"{tenant.name}: {r} {used[r]} in use of {cap}")
        self._jobs[tenant.name][job.job_id] = job

    async def submit(
        self, tenant: Tenant, cpu: float, memory_gb: float, gpu: int, duration_s: float
    ) -> Job:
        job = Job(uuid.uuid4().hex, tenant.name, cpu, memory_gb, gpu, duration_s, time.time())
        self._reserve(tenant, job)
        try:
            await self.ledger.append(
                {"job_id": job.job_id, "tenant": job.tenant, "cpu": cpu, "memory_gb": memory_gb}
                | {"gpu": gpu, "seconds": duration_s}
            )
        except BaseException:
            self._jobs[tenant.name].pop(job.job_id, None)
            raise
        return job
