"""Session fixtures of the hidden checks: the gateway client and provisioned tenants."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from orbital import TENANTS

from grader.checks.student_call import StudentCallError


@pytest.fixture
def http(services) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=services.url("gateway"), timeout=20) as client:
        yield client


@pytest.fixture(scope="session")
def provisioned(student_call, kube) -> dict:
    """Runs the submission's provisioning (again: the smoke check ran it once), then
    waits until pods can be admitted and quotas are enforced in the tenant namespaces.
    A failure here is left to the idempotency test to report; the other tests check
    whatever exists."""
    from kubernetes.client import CoreV1Api

    try:
        summary = {"result": student_call("tenancy.provision:provision_all", timeout_s=90)}
    except StudentCallError as exc:
        summary = {"error": str(exc)}
    core = CoreV1Api(kube.admin)
    existing = {ns.metadata.name for ns in core.list_namespace().items}
    for tenant in TENANTS:
        namespace = kube.namespace(tenant)
        if namespace not in existing:
            continue
        kube.wait_default_service_account(namespace)
        for quota in core.list_namespaced_resource_quota(namespace).items:
            kube.wait_quota_enforced(namespace, quota.metadata.name)
    return summary
