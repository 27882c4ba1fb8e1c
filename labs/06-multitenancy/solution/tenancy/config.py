"""The platform's tenants and their contracts, plus settings from the environment.

The grader relies on these values (keys, rates, quotas, priorities): keep them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

FEATURES = 8
"""Length of the feature vector every tenant's model takes."""


@dataclass(frozen=True)
class Quota:
    """What a tenant may hold at once: on the cluster and in the job admission."""

    cpu: float
    memory_gb: float
    gpu: int
    pods: int


@dataclass(frozen=True)
class Tenant:
    name: str
    """The Kubernetes user, the suffix of the namespace and the URL segment."""
    team: str
    api_key: str
    rate_per_s: float
    """Sustained prediction requests per second (token bucket refill rate)."""
    burst: int
    """Bucket size: requests that may arrive at once after a quiet period."""
    quota: Quota
    priority: int
    """Value of the tenant's PriorityClass."""
    model: str
    weights: tuple[float, ...]
    bias: float


TENANTS: dict[str, Tenant] = {
    t.name: t
    for t in (
        Tenant(
            name="tenant-a",
            team="vision",
            api_key="orbital-vision-7d1c2f",
            rate_per_s=20,
            burst=20,
            quota=Quota(cpu=8, memory_gb=32, gpu=2, pods=20),
            priority=1000,
            model="vision-defects-v4",
            weights=(0.8, -0.4, 0.3, 0.0, 0.5, -0.2, 0.1, 0.6),
            bias=-0.1,
        ),
        Tenant(
            name="tenant-b",
            team="speech",
            api_key="orbital-speech-52e90a",
            rate_per_s=50,
            burst=50,
            quota=Quota(cpu=4, memory_gb=16, gpu=1, pods=20),
            priority=2000,
            model="speech-wakeword-v2",
            weights=(-0.3, 0.9, 0.0, 0.4, -0.6, 0.2, 0.7, -0.1),
            bias=0.2,
        ),
        Tenant(
            name="tenant-c",
            team="ranking",
            api_key="orbital-ranking-a03f61",
            rate_per_s=30,
            burst=30,
            quota=Quota(cpu=6, memory_gb=24, gpu=0, pods=20),
            priority=1500,
            model="ranking-feed-v7",
            weights=(0.1, 0.2, -0.8, 0.5, 0.3, 0.9, -0.4, 0.0),
            bias=0.0,
        ),
    )
}

FINANCE_KEY = "orbital-finance-0b5e77"
"""The finance team's key: the only one that may read every tenant's costs."""

BILL = {"cpu": 2400.0, "memory_gb": 600.0, "gpu": 9000.0}
"""Last month's cloud invoice for the shared fleet, in dollars per resource."""


def kube_prefix() -> str:
    """Runs share one API server: every namespace and cluster-scoped name starts with this."""
    return os.environ.get("KUBE_NAMESPACE_PREFIX", "")


def kubeconfig() -> str:
    """The platform team's (cluster-admin) kubeconfig, used to provision tenants."""
    return os.environ.get("KUBECONFIG", str(Path.home() / ".kube" / "config"))


def namespace(tenant: str) -> str:
    return kube_prefix() + tenant


def job_ledger() -> str:
    """JSON-lines file of admitted jobs: what the cost report is computed from."""
    default = Path(os.environ.get("STATE_DIR", ".")) / "jobs.jsonl"
    return os.environ.get("JOB_LEDGER", str(default))
