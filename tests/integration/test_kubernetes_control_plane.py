"""The embedded Kubernetes control plane: real authentication, RBAC, quota admission and
namespace deletion from the API server itself; per-run prefixes; nothing left after stop.

The binaries come from `infra/kubernetes/build-control-plane.sh` (`make test` runs it;
it returns at once when they are cached).
"""

from __future__ import annotations

import psutil
import pytest
from kubernetes.client import (
    CoreV1Api,
    RbacAuthorizationV1Api,
    SchedulingV1Api,
    V1ConfigMap,
    V1Container,
    V1Namespace,
    V1ObjectMeta,
    V1Pod,
    V1PodSpec,
    V1PolicyRule,
    V1PriorityClass,
    V1ResourceQuota,
    V1ResourceQuotaSpec,
    V1Role,
    V1RoleBinding,
    V1RoleRef,
)
from kubernetes.client.exceptions import ApiException

from grader.checks.kube_access import KubeAccess
from grader.infra.kubernetes import ExternalKubernetes, KubernetesControlPlane, build_script
from grader.infra.ports import is_listening
from grader.infra.provider import attach_external
from grader.infra.service import InfrastructureError, InfrastructureMissing

RUN = "lgtest000001"


@pytest.fixture(scope="module")
def kube(control_plane) -> KubeAccess:
    env = control_plane.connection() | control_plane.namespace(RUN)
    return KubeAccess(
        env["KUBECONFIG"], env["KUBE_NAMESPACE_PREFIX"], env["KUBE_TENANT_KUBECONFIGS"]
    )


def _tenant_namespace(kube: KubeAccess, tenant: str) -> str:
    """A namespace whose only RBAC grant is to its tenant (as lab 06 provisions them)."""
    name = kube.namespace(tenant)
    core, rbac = CoreV1Api(kube.admin), RbacAuthorizationV1Api(kube.admin)
    core.create_namespace(V1Namespace(metadata=V1ObjectMeta(name=name)))
    rule = V1PolicyRule(api_groups=[""], resources=["configmaps", "pods"], verbs=["*"])
    rbac.create_namespaced_role(name, V1Role(metadata=V1ObjectMeta(name="tenant"), rules=[rule]))
    rbac.create_namespaced_role_binding(
        name,
        V1RoleBinding(
            metadata=V1ObjectMeta(name="tenant"),
            role_ref=V1RoleRef(api_group="rbac.authorization.k8s.io", kind="Role", name="tenant"),
            subjects=[{"kind": "User", "name": tenant, "apiGroup": "rbac.authorization.k8s.io"}],
        ),
    )
    return name


def _configmap(name: str) -> V1ConfigMap:
    return V1ConfigMap(metadata=V1ObjectMeta(name=name), data={"k": "v"})


def test_connection_names_an_admin_kubeconfig_and_the_run_prefix(control_plane):
    env = control_plane.connection() | control_plane.namespace(RUN)
    assert env["KUBE_NAMESPACE_PREFIX"] == f"{RUN}-"
    assert env["KUBE_API_SERVER"].startswith("https://127.0.0.1:")
    assert control_plane.client_files() == (env["KUBECONFIG"],)
    assert control_plane.is_healthy()


def test_rbac_lets_a_tenant_into_its_own_namespace_only(kube):
    own = _tenant_namespace(kube, "tenant-a")
    other = _tenant_namespace(kube, "tenant-b")
    as_a = CoreV1Api(kube.as_tenant("tenant-a"))
    as_a.create_namespaced_config_map(own, _configmap("mine"))
    with pytest.raises(ApiException) as denied:
        as_a.list_namespaced_config_map(other)
    assert denied.value.status == 403
    with pytest.raises(ApiException) as denied:
        as_a.list_namespace()
    assert denied.value.status == 403


def test_impersonation_is_authorized_like_the_tenant_token(control_plane, kube):
    """On a cluster without token users (external), tests act as a tenant this way."""
    impersonating = KubeAccess(kube.kubeconfig, kube.prefix)
    as_b = CoreV1Api(impersonating.as_tenant("tenant-b"))
    as_b.list_namespaced_config_map(kube.namespace("tenant-b"))
    with pytest.raises(ApiException) as denied:
        as_b.list_namespaced_config_map(kube.namespace("tenant-a"))
    assert denied.value.status == 403


def test_a_pod_over_quota_is_refused_by_the_api_server(kube):
    namespace = _tenant_namespace(kube, "tenant-c")
    core = CoreV1Api(kube.admin)
    core.create_namespaced_resource_quota(
        namespace,
        V1ResourceQuota(
            metadata=V1ObjectMeta(name="pods"), spec=V1ResourceQuotaSpec(hard={"pods": "1"})
        ),
    )
    kube.wait_quota_enforced(namespace, "pods")
    kube.wait_default_service_account(namespace)

    def pod(name: str) -> V1Pod:
        return V1Pod(
            metadata=V1ObjectMeta(name=name),
            spec=V1PodSpec(containers=[V1Container(name="main", image="trainer:1")]),
        )

    core.create_namespaced_pod(namespace, pod("first"))
    with pytest.raises(ApiException) as refused:
        core.create_namespaced_pod(namespace, pod("second"))
    assert refused.value.status == 403
    assert "exceeded quota" in refused.value.body


def test_dropping_the_namespace_removes_only_the_runs_objects(control_plane, kube):
    scheduling = SchedulingV1Api(kube.admin)
    for name in (kube.namespace("batch"), "lgother000001-batch"):
        scheduling.create_priority_class(
            V1PriorityClass(metadata=V1ObjectMeta(name=name), value=10)
        )
    CoreV1Api(kube.admin).create_namespace(
        V1Namespace(metadata=V1ObjectMeta(name="lgother000001-x"))
    )

    control_plane.drop_namespace(RUN)

    namespaces = {
        ns.metadata.name: ns.status.phase for ns in CoreV1Api(kube.admin).list_namespace().items
    }
    ours = {name: phase for name, phase in namespaces.items() if name.startswith(kube.prefix)}
    assert ours and set(ours.values()) == {"Terminating"}, ours
    assert namespaces["lgother000001-x"] == "Active"
    classes = {pc.metadata.name for pc in scheduling.list_priority_class().items}
    assert kube.namespace("batch") not in classes
    assert "lgother000001-batch" in classes


def test_the_external_provider_attaches_to_a_cluster_by_kubeconfig(control_plane, monkeypatch):
    monkeypatch.setenv("LABGRADE_KUBECONFIG", str(control_plane.admin_kubeconfig))
    attached = attach_external(["kubernetes"])["kubernetes"]
    assert isinstance(attached, ExternalKubernetes)
    assert attached.connection() == {"KUBECONFIG": str(control_plane.admin_kubeconfig)}
    assert attached.is_healthy()
    assert attached.namespace("lgext0000001") == {"KUBE_NAMESPACE_PREFIX": "lgext0000001-"}


def test_the_external_provider_names_the_variable_it_misses(monkeypatch):
    monkeypatch.delenv("LABGRADE_KUBECONFIG", raising=False)
    with pytest.raises(InfrastructureError, match="LABGRADE_KUBECONFIG"):
        attach_external(["kubernetes"])


def test_an_unbuilt_control_plane_says_how_to_build_it(tmp_path):
    plane = KubernetesControlPlane(binaries=tmp_path)
    try:
        with pytest.raises(InfrastructureMissing, match=r"not built") as missing:
            plane.start()
        assert missing.value.fix.startswith(str(build_script()))
    finally:
        plane.stop()


def test_stop_leaves_no_process_port_or_folder():
    plane = KubernetesControlPlane()
    plane.start()
    plane.wait_until_ready(timeout_s=60)
    pids, port, folder = plane.pids(), plane.port, plane.data_dir
    assert len(pids) == 3
    plane.stop()
    assert not [pid for pid in pids if psutil.pid_exists(pid)]
    assert not is_listening(port)
    assert not folder.exists()
