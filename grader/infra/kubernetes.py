"""Kubernetes, embedded: etcd, kube-apiserver and kube-controller-manager as processes.

A real control plane with no containers and no nodes: the API server's
authentication (static token users), RBAC, admission (ResourceQuota, LimitRange,
ServiceAccount, Priority) and the controllers that make quotas and namespaces work
are all there; no kubelet, so pods stay Pending, which the labs never need.  The
binaries are built once per machine from Debian's packages by
`infra/kubernetes/build-control-plane.sh` (DESIGN.md) and cached.

Each grading run gets a namespace prefix; its namespaces and the cluster-scoped
objects it named with the prefix are deleted afterwards, so one control plane (for
example an `infra up` session) can serve many runs.
"""

from __future__ import annotations

import os
import shutil
import ssl
import tempfile
import time
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from grader import interrupt
from grader.cache import cache_root
from grader.infra.kubernetes_pki import ADMIN_USER, ClusterCredentials, write_credentials
from grader.infra.ports import free_port, wait_for_port
from grader.infra.service import (
    InfraService,
    InfrastructureError,
    InfrastructureMissing,
    LocalProcessService,
)

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

KUBERNETES_VERSION = "1.20.2"
"""The tree Debian bookworm's `kubernetes` source package carries (1.20.5+really1.20.2)."""

BUILD_TIME = "about 5 minutes on two cores"
"""What the build takes on this project's machines (the README says the same)."""
CONTROLLERS = (
    "namespace",  # deletes a namespace's contents, so a run's namespaces can go
    "serviceaccount",  # the `default` ServiceAccount pods need
    "serviceaccount-token",
    "resourcequota",  # fills a quota's status: not enforced before
    "garbagecollector",
    "clusterrole-aggregation",  # admin/edit/view ClusterRoles are empty without it
)


BINARIES_ENV = "LABGRADE_KUBERNETES_BIN"
"""Where the control plane's binaries are, when not in the cache (a shared, read-only
build: the grader's own tests use one with a cache folder of their own)."""


def build_script() -> Path:
    """infra/kubernetes/build-control-plane.sh of this checkout (or student copy)."""
    return Path(__file__).resolve().parents[2] / "infra" / "kubernetes" / "build-control-plane.sh"


def binaries_dir() -> Path:
    configured = os.environ.get(BINARIES_ENV)
    if configured:
        return Path(configured)
    return cache_root() / "kubernetes" / KUBERNETES_VERSION / "bin"


def namespace_prefix(run_id: str) -> str:
    return f"{run_id}-"


class _Cluster(InfraService):
    """What every cluster offers a run: an admin kubeconfig and a namespace prefix."""

    name = "kubernetes"
    admin_kubeconfig: Path

    def namespace(self, run_id: str) -> dict[str, str]:
        return {"KUBE_NAMESPACE_PREFIX": namespace_prefix(run_id)}

    def drop_namespace(self, run_id: str) -> None:
        delete_names_with_prefix(self.admin_client(), namespace_prefix(run_id))

    def admin_client(self) -> ApiClient:
        from kubernetes.config import new_client_from_config

        return new_client_from_config(config_file=str(self.admin_kubeconfig))


class _Process(LocalProcessService):
    """One process of the control plane; the control plane decides when it is ready."""

    def __init__(self, name: str, data_dir: Path, port: int | None = None) -> None:
        self.name = name
        super().__init__(port, data_dir)

    def run(self, argv: list[str]) -> None:
        self._launch(argv)

    def start(self) -> None:
        raise NotImplementedError("started by the control plane with run(argv)")

    def wait_until_ready(self, timeout_s: float = 10) -> None:
        if not wait_for_port(self.port, timeout_s):
            raise self._not_ready(f"127.0.0.1:{self.port}", timeout_s)

    def connection(self) -> dict[str, str]:
        return {}

    def is_healthy(self) -> bool:
        return self._running()

    def failure(self, where: str, timeout_s: float) -> InfrastructureError:
        return self._not_ready(where, timeout_s)


class KubernetesControlPlane(_Cluster):
    """A control plane owned by this object: started on start(), gone after stop()."""

    def __init__(self, data_dir: Path | None = None, binaries: Path | None = None) -> None:
        self._owns_data_dir = data_dir is None
        self.data_dir = data_dir or Path(tempfile.mkdtemp(prefix="labgrade-kubernetes-"))
        self.binaries = binaries or binaries_dir()
        self.port = free_port()
        self.etcd = _Process("etcd", self.data_dir, free_port())
        self.apiserver = _Process("kube-apiserver", self.data_dir, self.port)
        self.controller_manager = _Process("kube-controller-manager", self.data_dir)
        self.credentials: ClusterCredentials | None = None

    @property
    def server_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def admin_kubeconfig(self) -> Path:
        return self._credentials.admin_kubeconfig

    @property
    def _credentials(self) -> ClusterCredentials:
        if self.credentials is None:
            raise InfrastructureError("the control plane has not been started")
        return self.credentials

    def connection(self) -> dict[str, str]:
        return {
            "KUBECONFIG": str(self.admin_kubeconfig),
            "KUBE_API_SERVER": self.server_url,
            "KUBE_TENANT_KUBECONFIGS": str(self._credentials.kubeconfig_dir),
        }

    def client_files(self) -> tuple[str, ...]:
        return (str(self.admin_kubeconfig),)

    def start(self) -> None:
        missing = [
            name
            for name in ("etcd", "kube-apiserver", "kube-controller-manager")
            if not (self.binaries / name).is_file()
        ]
        if missing:
            raise InfrastructureMissing(
                f"the Kubernetes control plane is not built on this machine "
                f"({', '.join(missing)} missing in {self.binaries})",
                fix=f"{build_script()}   # once per machine: {BUILD_TIME}, then cached",
            )
        self.credentials = write_credentials(self.data_dir / "pki", self.server_url)
        self.etcd.run(self._etcd_argv())
        self.apiserver.run(self._apiserver_argv())
        self.controller_manager.run(self._controller_manager_argv())

    def wait_until_ready(self, timeout_s: float = 60) -> None:
        """Ready means the API server is ready and the controller manager acts.

        The `default` ServiceAccount of the `default` namespace is created by the
        controller manager: once it exists, quotas get their status and new
        namespaces get the account their pods need.
        """
        deadline = time.monotonic() + timeout_s
        self.etcd.wait_until_ready(timeout_s)
        self._poll(deadline, timeout_s, "/readyz", self.apiserver)
        self._poll(
            deadline,
            timeout_s,
            "/api/v1/namespaces/default/serviceaccounts/default",
            self.controller_manager,
        )

    def _poll(self, deadline: float, timeout_s: float, path: str, process: _Process) -> None:
        while True:
            for part in (self.etcd, self.apiserver, self.controller_manager):
                if not part.is_healthy():
                    raise part.failure(self.server_url, timeout_s)
            try:
                if self._http.get(path).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise process.failure(f"{self.server_url}{path}", timeout_s)
            interrupt.sleep(0.2)

    @cached_property
    def _http(self) -> httpx.Client:
        token = self._credentials.token(ADMIN_USER)
        return httpx.Client(
            base_url=self.server_url,
            verify=ssl.create_default_context(cafile=str(self._credentials.ca_cert)),
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )

    def is_healthy(self) -> bool:
        parts = (self.etcd, self.apiserver, self.controller_manager)
        if not all(part.is_healthy() for part in parts):
            return False
        try:
            return self._http.get("/livez").status_code == 200
        except httpx.HTTPError:
            return False

    def pids(self) -> list[int]:
        parts = (self.etcd, self.apiserver, self.controller_manager)
        return [part.pid for part in parts if part.pid is not None]

    def stop(self) -> None:
        if "_http" in self.__dict__:
            self._http.close()
            del self.__dict__["_http"]
        for part in (self.controller_manager, self.apiserver, self.etcd):
            part.stop()
        if self._owns_data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def _etcd_argv(self) -> list[str]:
        client = f"http://127.0.0.1:{self.etcd.port}"
        peer = f"http://127.0.0.1:{free_port()}"
        return [
            str(self.binaries / "etcd"),
            f"--data-dir={self.data_dir / 'etcd'}",
            f"--listen-client-urls={client}",
            f"--advertise-client-urls={client}",
            f"--listen-peer-urls={peer}",
            f"--initial-advertise-peer-urls={peer}",
            f"--initial-cluster=default={peer}",
            "--logger=zap",
            "--log-level=warn",
        ]

    def _apiserver_argv(self) -> list[str]:
        creds = self._credentials
        return [
            str(self.binaries / "kube-apiserver"),
            f"--etcd-servers=http://127.0.0.1:{self.etcd.port}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={self.port}",
            "--insecure-port=0",
            f"--cert-dir={self.data_dir / 'certs'}",
            f"--tls-cert-file={creds.server_cert}",
            f"--tls-private-key-file={creds.server_key}",
            f"--token-auth-file={creds.token_file}",
            "--authorization-mode=RBAC",
            "--service-account-issuer=https://kubernetes.default.svc",
            f"--service-account-key-file={creds.service_account_public_key}",
            f"--service-account-signing-key-file={creds.service_account_key}",
            "--service-cluster-ip-range=10.0.0.0/24",
            "--enable-priority-and-fairness=false",
            "--profiling=false",
            "--logtostderr=true",
        ]

    def _controller_manager_argv(self) -> list[str]:
        creds = self._credentials
        return [
            str(self.binaries / "kube-controller-manager"),
            f"--kubeconfig={creds.kubeconfig('system:kube-controller-manager')}",
            "--leader-elect=false",
            "--port=0",
            "--secure-port=0",
            f"--controllers={','.join(CONTROLLERS)}",
            f"--service-account-private-key-file={creds.service_account_key}",
            f"--root-ca-file={creds.ca_cert}",
            "--profiling=false",
            "--logtostderr=true",
        ]


class ExternalKubernetes(_Cluster):
    """A cluster somebody else runs (kind, a cloud cluster, an `infra up` session).

    Only the run's own namespaces and prefixed cluster-scoped objects are ever
    touched.  Tenant users come as kubeconfigs when the cluster has them (an embedded
    control plane does); otherwise tests act as a tenant by impersonation.
    """

    def __init__(self, kubeconfig: str | Path, tenant_kubeconfigs: str | Path | None = None):
        self.admin_kubeconfig = Path(kubeconfig)
        self.tenant_kubeconfigs = Path(tenant_kubeconfigs) if tenant_kubeconfigs else None

    def connection(self) -> dict[str, str]:
        env = {"KUBECONFIG": str(self.admin_kubeconfig)}
        if self.tenant_kubeconfigs is not None:
            env["KUBE_TENANT_KUBECONFIGS"] = str(self.tenant_kubeconfigs)
        return env

    def client_files(self) -> tuple[str, ...]:
        return (str(self.admin_kubeconfig),)

    def start(self) -> None:
        if not self.admin_kubeconfig.is_file():
            raise InfrastructureError(f"no kubeconfig at {self.admin_kubeconfig}")

    def wait_until_ready(self, timeout_s: float = 10) -> None:
        deadline = time.monotonic() + timeout_s
        while not self.is_healthy():
            if time.monotonic() > deadline:
                raise InfrastructureError(
                    f"the cluster of {self.admin_kubeconfig} is not answering"
                )
            time.sleep(0.5)

    def is_healthy(self) -> bool:
        from kubernetes.client import VersionApi

        try:
            with self.admin_client() as client:
                VersionApi(client).get_code(_request_timeout=3)
        except Exception:
            return False
        return True

    def stop(self) -> None:
        pass


def delete_names_with_prefix(client: ApiClient, prefix: str) -> list[str]:
    """Delete a run's namespaces and prefixed cluster-scoped objects; returns the names.

    Namespace deletion finishes in the background (the namespace controller empties
    it first); nothing waits for it.
    """
    from kubernetes.client import CoreV1Api, RbacAuthorizationV1Api, SchedulingV1Api
    from kubernetes.client.exceptions import ApiException

    removed: list[str] = []
    with client:
        core, rbac = CoreV1Api(client), RbacAuthorizationV1Api(client)
        scheduling = SchedulingV1Api(client)
        kinds = (
            (core.list_namespace, core.delete_namespace),
            (scheduling.list_priority_class, scheduling.delete_priority_class),
            (rbac.list_cluster_role, rbac.delete_cluster_role),
            (rbac.list_cluster_role_binding, rbac.delete_cluster_role_binding),
        )
        for list_all, delete in kinds:
            for item in list_all().items:
                if not item.metadata.name.startswith(prefix):
                    continue
                try:
                    delete(item.metadata.name)
                except ApiException as exc:
                    if exc.status != 404:
                        raise
                removed.append(item.metadata.name)
    return removed
