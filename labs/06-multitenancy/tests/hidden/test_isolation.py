"""Check group `isolation`: the tenants the submission provisions are isolated by the
real API server: RBAC, ResourceQuota, LimitRange, NetworkPolicy, PriorityClass.

Every "can tenant X do Y" question is asked as tenant X, with its own credentials.
Writes that must be refused are sent as dry runs, so a wrongly allowed one changes
nothing for the other tests.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from kubernetes.client import (
    CoreV1Api,
    NetworkingV1Api,
    RbacAuthorizationV1Api,
    SchedulingV1Api,
)
from kubernetes.client.exceptions import ApiException
from kubernetes.utils import parse_quantity
from orbital import PRIORITIES, QUOTAS, TENANTS

from grader.checks.student_call import StudentCallError

ISOLATION = (
    "A tenant's credentials must open its own namespace and nothing else: bind its Role "
    "with a RoleBinding, in its namespace, to exactly that tenant's user (no "
    "ClusterRoleBinding, no shared subjects)."
)
QUOTA = (
    "The quota is what stops one team from taking the whole fleet: a ResourceQuota in "
    "each tenant namespace (requests.cpu, requests.memory, requests.nvidia.com/gpu, pods) "
    "makes the API server itself refuse what does not fit."
)
DRY_RUN = "All"


def _pod(resources: dict | None = None) -> dict:
    container: dict = {"name": "main", "image": "registry.orbital.io/train:1"}
    if resources is not None:
        container["resources"] = resources
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"check-{uuid.uuid4().hex[:8]}"},
        "spec": {
            "containers": [container],
            "restartPolicy": "Never",
            "automountServiceAccountToken": False,
        },
    }


def _status(call) -> tuple[int, str]:
    """(HTTP status, body) of an API call: 200 when it went through."""
    try:
        call()
    except ApiException as exc:
        return exc.status, str(exc.body or exc.reason)
    return 200, ""


def _require_namespace(kube, tenant: str) -> str:
    namespace = kube.namespace(tenant)
    names = {ns.metadata.name for ns in CoreV1Api(kube.admin).list_namespace().items}
    assert namespace in names, (
        f"there is no namespace {namespace} after provision_all(): every tenant gets its own "
        "namespace, named KUBE_NAMESPACE_PREFIX + tenant"
    )
    return namespace


def test_provisioning_is_idempotent(student_call, provisioned):
    error = provisioned.get("error", "")
    if not error:
        try:
            again = student_call("tenancy.provision:provision_all", timeout_s=90)
        except StudentCallError as exc:
            error = str(exc)
        else:
            assert isinstance(again, dict), "provision_all() must return a summary (a dict)"
    assert not error, (
        f"running provision_all() again failed: {error[:300]}. Provisioning runs on every "
        "deploy: an object that exists already must be updated (or left), not re-created."
    )


def test_tenant_works_in_its_own_namespace(kube, provisioned):
    for tenant in TENANTS:
        namespace = _require_namespace(kube, tenant)
        core = CoreV1Api(kube.as_tenant(tenant))
        body = {"metadata": {"name": f"check-{uuid.uuid4().hex[:8]}"}, "data": {"k": "v"}}
        status, detail = _status(
            lambda c=core, n=namespace, b=body: c.create_namespaced_config_map(n, b)
        )
        assert status == 200, (
            f"{tenant} could not create a ConfigMap in its own namespace ({status} "
            f"{detail[:150]}): isolation must not stop a team from working"
        )
        status, _ = _status(lambda c=core, n=namespace: c.list_namespaced_pod(n))
        assert status == 200, f"{tenant} could not list the pods of its own namespace ({status})"


@pytest.mark.parametrize(
    ("reader", "owner"),
    [("tenant-a", "tenant-b"), ("tenant-b", "tenant-c"), ("tenant-c", "tenant-a")],
)
def test_tenant_cannot_read_another_tenants_namespace(kube, provisioned, reader, owner):
    namespace = _require_namespace(kube, owner)
    core = CoreV1Api(kube.as_tenant(reader))
    for what, call in (
        ("list the pods", lambda: core.list_namespaced_pod(namespace)),
        ("list the ConfigMaps", lambda: core.list_namespaced_config_map(namespace)),
        ("list the Secrets", lambda: core.list_namespaced_secret(namespace)),
    ):
        status, _ = _status(call)
        assert status == 403, (
            f"{reader}'s credentials could {what} of {owner}'s namespace (answer {status}, "
            f"expected 403 Forbidden). " + ISOLATION
        )


def test_tenant_cannot_write_into_another_tenants_namespace(kube, provisioned):
    namespace = _require_namespace(kube, "tenant-b")
    core = CoreV1Api(kube.as_tenant("tenant-a"))
    body = {"metadata": {"name": f"check-{uuid.uuid4().hex[:8]}"}, "data": {"k": "v"}}
    status, _ = _status(lambda: core.create_namespaced_config_map(namespace, body, dry_run=DRY_RUN))
    assert status == 403, (
        f"tenant-a could create a ConfigMap in tenant-b's namespace (answer {status}). " + ISOLATION
    )
    status, _ = _status(lambda: core.create_namespaced_pod(namespace, _pod(), dry_run=DRY_RUN))
    assert status == 403, (
        f"tenant-a could start a pod in tenant-b's namespace, on tenant-b's quota (answer "
        f"{status}). " + ISOLATION
    )


def test_tenant_cannot_loosen_its_own_guardrails(kube, provisioned):
    namespace = _require_namespace(kube, "tenant-a")
    admin_core = CoreV1Api(kube.admin)
    quotas = [q.metadata.name for q in admin_core.list_namespaced_resource_quota(namespace).items]
    policies = NetworkingV1Api(kube.admin).list_namespaced_network_policy(namespace).items
    api = kube.as_tenant("tenant-a")
    core, net, rbac = CoreV1Api(api), NetworkingV1Api(api), RbacAuthorizationV1Api(api)
    quota = quotas[0] if quotas else "tenant-quota"
    policy = policies[0].metadata.name if policies else "default-deny"
    grant = {
        "metadata": {"name": f"check-{uuid.uuid4().hex[:8]}"},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": "admin",
        },
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "tenant-a"}],
    }
    for what, call in (
        (
            "raise its own ResourceQuota",
            lambda: core.patch_namespaced_resource_quota(
                quota, namespace, {"spec": {"hard": {"requests.cpu": "1000"}}}, dry_run=DRY_RUN
            ),
        ),
        (
            "delete its namespace's NetworkPolicy",
            lambda: net.delete_namespaced_network_policy(policy, namespace, dry_run=DRY_RUN),
        ),
        (
            "grant itself the admin role with a RoleBinding",
            lambda: rbac.create_namespaced_role_binding(namespace, grant, dry_run=DRY_RUN),
        ),
    ):
        status, _ = _status(call)
        assert status == 403, (
            f"tenant-a could {what} (answer {status}, expected 403). The guardrails belong to "
            "the platform: a tenant's Role lets it run workloads and read its quota, not change "
            "quotas, limit ranges, network policies or RBAC."
        )


def _hard(kube, namespace: str) -> dict[str, Decimal]:
    """The tightest hard limit per resource over the namespace's ResourceQuotas."""
    hard: dict[str, Decimal] = {}
    for quota in CoreV1Api(kube.admin).list_namespaced_resource_quota(namespace).items:
        for key, value in (quota.spec.hard or {}).items():
            key = {"cpu": "requests.cpu", "memory": "requests.memory"}.get(key, key)
            amount = parse_quantity(value)
            hard[key] = min(hard.get(key, amount), amount)
    return hard


def test_quotas_match_the_contract(kube, provisioned):
    for tenant in TENANTS:
        hard = _hard(kube, _require_namespace(kube, tenant))
        assert hard, f"namespace {kube.namespace(tenant)} has no ResourceQuota. " + QUOTA
        want = QUOTAS[tenant]
        expected = {
            "requests.cpu": Decimal(want["cpu"]),
            "requests.memory": Decimal(want["memory_gb"]) * 2**30,
            "requests.nvidia.com/gpu": Decimal(want["gpu"]),
            "pods": Decimal(want["pods"]),
        }
        for key, amount in expected.items():
            assert hard.get(key) == amount, (
                f"{tenant}'s quota for {key} is {hard.get(key)}, the contract says {amount} "
                f"(memory in bytes: {want['memory_gb']}Gi). " + QUOTA
            )


def _create_pod(kube, tenant: str, resources: dict | None) -> tuple[int, str, object]:
    core = CoreV1Api(kube.as_tenant(tenant))
    namespace = kube.namespace(tenant)
    try:
        return 200, "", core.create_namespaced_pod(namespace, _pod(resources))
    except ApiException as exc:
        return exc.status, str(exc.body or exc.reason), None


@pytest.mark.parametrize(
    ("tenant", "resource", "amount"),
    [("tenant-a", "cpu", "9"), ("tenant-b", "memory", "17Gi"), ("tenant-c", "nvidia.com/gpu", "1")],
)
def test_api_server_rejects_a_pod_over_quota(kube, provisioned, tenant, resource, amount):
    _require_namespace(kube, tenant)
    asked = {resource: amount}
    status, detail, _ = _create_pod(kube, tenant, {"requests": asked, "limits": asked})
    assert status != 200, (
        f"the API server admitted a pod of {tenant} requesting {amount} {resource}, more than "
        f"its whole quota. " + QUOTA
    )
    refused = "exceeded quota" in detail or "maximum" in detail  # the quota, or a LimitRange max
    assert status == 403 and refused, (
        f"a pod of {tenant} over its quota was refused, but not by the quota (answer {status}: "
        f"{detail[:200]}); {tenant} must be allowed to create pods, and the ResourceQuota must "
        "refuse this one"
    )


def test_pod_without_resources_gets_defaults(kube, provisioned):
    _require_namespace(kube, "tenant-b")
    status, detail, pod = _create_pod(kube, "tenant-b", None)
    assert status == 200, (
        f"a pod that names no resources was refused ({status}: {detail[:200]}). With a quota "
        "on requests, such pods are refused unless a LimitRange gives containers default "
        "requests and limits."
    )
    requests = pod.spec.containers[0].resources.requests or {}
    assert "cpu" in requests and "memory" in requests, (
        f"a pod that names no resources was admitted with requests {requests}: nothing counts "
        "it against the quota. A LimitRange with default requests (defaultRequest) and "
        "limits (default) for containers makes every pod count."
    )


def test_default_deny_network_policy(kube, provisioned):
    for tenant in TENANTS:
        namespace = _require_namespace(kube, tenant)
        policies = NetworkingV1Api(kube.admin).list_namespaced_network_policy(namespace).items
        deny = [
            p
            for p in policies
            if not (p.spec.pod_selector.match_labels or p.spec.pod_selector.match_expressions)
            and {"Ingress", "Egress"} <= set(p.spec.policy_types or [])
            and not p.spec.ingress
            and not p.spec.egress
        ]
        assert deny, (
            f"namespace {namespace} has no default-deny NetworkPolicy: without one every pod "
            "may talk to every other tenant's pods. Select all pods (podSelector: {}), list "
            "both policyTypes (Ingress, Egress) and allow nothing."
        )


def test_priority_classes(kube, provisioned):
    scheduling = SchedulingV1Api(kube.admin)
    for tenant in TENANTS:
        name = kube.namespace(tenant)
        status, _ = _status(lambda n=name: scheduling.read_priority_class(n))
        assert status == 200, f"there is no PriorityClass {name} (prefix + tenant)"
        value = scheduling.read_priority_class(name).value
        assert value == PRIORITIES[tenant], (
            f"PriorityClass {name} has value {value}; the contract gives {tenant} "
            f"{PRIORITIES[tenant]}"
        )
