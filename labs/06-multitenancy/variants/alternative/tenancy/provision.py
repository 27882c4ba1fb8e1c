"""Tenant provisioning: read each object; create it if missing, replace it if present."""

from __future__ import annotations

import json

from kubernetes import client
from kubernetes import config as kube_config
from kubernetes.client.exceptions import ApiException
from tenancy import config, objects
from tenancy.objects import Manifest

APIS = {
    "v1": client.CoreV1Api,
    "rbac.authorization.k8s.io/v1": client.RbacAuthorizationV1Api,
    "networking.k8s.io/v1": client.NetworkingV1Api,
    "scheduling.k8s.io/v1": client.SchedulingV1Api,
}


def _snake(kind: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in kind).lstrip("_")


def ensure(api: client.ApiClient, manifest: Manifest) -> str:
    resource = APIS[manifest["apiVersion"]](api)
    meta = manifest["metadata"]
    namespaced = "namespace" in meta
    suffix = ("namespaced_" if namespaced else "") + _snake(manifest["kind"])
    where = (meta["namespace"],) if namespaced else ()
    try:
        current = getattr(resource, f"read_{suffix}")(meta["name"], *where)
    except ApiException as exc:
        if exc.status != 404:
            raise
        getattr(resource, f"create_{suffix}")(*where, manifest)
        return "created"
    body = {**manifest, "metadata": {**meta, "resourceVersion": current.metadata.resource_version}}
    getattr(resource, f"replace_{suffix}")(meta["name"], *where, body)
    return "replaced"


def provision_all() -> dict:
    prefix = config.kube_prefix()
    with kube_config.new_client_from_config(config_file=config.kubeconfig()) as api:
        return {
            t.name: [ensure(api, m) for m in objects.for_tenant(t, prefix)]
            for t in config.TENANTS.values()
        }


if __name__ == "__main__":
    print(json.dumps(provision_all(), indent=2))
