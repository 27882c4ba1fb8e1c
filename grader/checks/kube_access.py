"""The `kube` fixture: the run's cluster, as its admin and as each tenant user.

Isolation checks must ask the real API server as the tenant, so a tenant client
carries that tenant's own token (an embedded control plane has token users
`tenant-a`...); on a cluster without such users the admin impersonates the tenant,
which the API server authorizes exactly as if the tenant had asked.  Namespaces are
named as the lab names them ("tenant-a"); the run's prefix is added here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from grader.infra.kubernetes_pki import TENANT_GROUP, TENANT_USERS

if TYPE_CHECKING:
    from kubernetes.client import ApiClient


class KubeAccess:
    tenants = TENANT_USERS

    def __init__(self, kubeconfig: str, prefix: str, tenant_kubeconfigs: str = "") -> None:
        self.kubeconfig = kubeconfig
        self.prefix = prefix
        self.tenant_kubeconfigs = Path(tenant_kubeconfigs) if tenant_kubeconfigs else None
        self._admin: ApiClient | None = None

    def namespace(self, name: str) -> str:
        """The run's full name for a namespace (or a prefixed cluster-scoped object)."""
        return self.prefix + name

    @property
    def admin(self) -> ApiClient:
        if self._admin is None:
            self._admin = self._client(self.kubeconfig)
        return self._admin

    def as_tenant(self, user: str) -> ApiClient:
        """A client whose every request the API server authenticates as `user`."""
        own = self.tenant_kubeconfigs / f"{user}.kubeconfig" if self.tenant_kubeconfigs else None
        if own is not None and own.is_file():
            return self._client(str(own))
        client = self._client(self.kubeconfig)
        client.set_default_header("Impersonate-User", user)
        client.set_default_header("Impersonate-Group", TENANT_GROUP)
        return client

    def wait_default_service_account(self, namespace: str, timeout_s: float = 20) -> None:
        """Pods are refused until the controller manager made the namespace's `default`
        ServiceAccount; wait for it before creating any."""
        from kubernetes.client import CoreV1Api

        core = CoreV1Api(self.admin)
        self._wait(
            lambda: bool(
                core.list_namespaced_service_account(
                    namespace, field_selector="metadata.name=default"
                ).items
            ),
            timeout_s,
            f"ServiceAccount 'default' in namespace {namespace}",
        )

    def wait_quota_enforced(self, namespace: str, name: str, timeout_s: float = 20) -> None:
        """A ResourceQuota is enforced only once the controller manager filled its status."""
        from kubernetes.client import CoreV1Api

        core = CoreV1Api(self.admin)

        def enforced() -> bool:
            status = core.read_namespaced_resource_quota(name, namespace).status
            return bool(status and status.hard)

        self._wait(enforced, timeout_s, f"ResourceQuota {namespace}/{name} to be enforced")

    @staticmethod
    def _wait(done: Callable[[], bool], timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s
        while not done():
            if time.monotonic() > deadline:
                raise TimeoutError(f"waited {timeout_s:g} s for {what}")
            time.sleep(0.2)

    @staticmethod
    def _client(kubeconfig: str) -> ApiClient:
        from kubernetes.config import new_client_from_config

        return new_client_from_config(config_file=kubeconfig)
