"""Job admission: a tenant's running jobs never hold more than its quota."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from collections.abc import Callable
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

    def usage(self) -> dict:
        """The ledger's record: resources held and for how long."""
        held = {r: getattr(self, r) for r in RESOURCES}
        return {"job_id": self.job_id, "tenant": self.tenant, **held, "seconds": self.duration_s}


def limits(quota: Quota) -> dict[str, float]:
    return {r: getattr(quota, r) for r in RESOURCES}


class Admission:
    def __init__(self, ledger: Ledger, clock: Callable[[], float] = time.time) -> None:
        self.ledger = ledger
        self._clock = clock
        self._jobs: dict[str, list[Job]] = defaultdict(list)

    def running(self, tenant: str) -> list[Job]:
        now = self._clock()
        self._jobs[tenant] = [j for j in self._jobs[tenant] if j.ends_at > now]
        return list(self._jobs[tenant])

    def used(self, tenant: str) -> dict[str, float]:
        jobs = self.running(tenant)
        return {r: sum(getattr(j, r) for j in jobs) for r in RESOURCES}

    async def submit(
        self, tenant: Tenant, cpu: float, memory_gb: float, gpu: int, duration_s: float
    ) -> Job:
        job = Job(uuid.uuid4().hex, tenant.name, cpu, memory_gb, gpu, duration_s, self._clock())
        used, quota = self.used(tenant.name), limits(tenant.quota)
        over = [r for r in RESOURCES if used[r] + getattr(job, r) > quota[r]]
        if over:
            raise QuotaExceeded(
                f"{tenant.name} uses {used} of {quota}; this job needs more {', '.join(over)}"
            )
        await self.ledger.append(job.usage())  # durable first: finance bills from the ledger
        self._jobs[tenant.name].append(job)
        return job
