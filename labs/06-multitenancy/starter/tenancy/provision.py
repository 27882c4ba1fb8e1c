"""Tenant provisioning through the Kubernetes API: `python -m tenancy.provision`.

Uses the platform team's kubeconfig ($KUBECONFIG) and prefixes every name with
$KUBE_NAMESPACE_PREFIX (one API server serves many environments).  Idempotent: an
object that exists already is patched to the desired state, so running it again
after a change to the config converges instead of failing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from kubernetes import client
from kubernetes import config as kube_config
from kubernetes.client.exceptions import ApiException

from tenancy import config, objects
from tenancy.objects import Manifest

KINDS: dict[str, tuple[Callable[[client.ApiClient], Any], str]] = {
    "Namespace": (client.CoreV1Api, "namespace"),
    "ResourceQuota": (client.CoreV1Api, "namespaced_resource_quota"),
    "LimitRange": (client.CoreV1Api, "namespaced_limit_range"),
    "Role": (client.RbacAuthorizationV1Api, "namespaced_role"),
    "RoleBinding": (client.RbacAuthorizationV1Api, "namespaced_role_binding"),
    "NetworkPolicy": (client.NetworkingV1Api, "namespaced_network_policy"),
    "PriorityClass": (client.SchedulingV1Api, "priority_class"),
}
"""kind -> (API class, the suffix of its create_/patch_ methods)."""


def api_client() -> client.ApiClient:
    return kube_config.new_client_from_config(config_file=config.kubeconfig())


def apply(api: client.ApiClient, manifest: Manifest) -> str:
    """Create the object, or patch it when it exists; returns "created" or "updated"."""
    make_api, suffix = KINDS[manifest["kind"]]
    resource = make_api(api)
    meta = manifest["metadata"]
    scope = {"namespace": meta["namespace"]} if suffix.startswith("namespaced_") else {}
    try:
        getattr(resource, f"create_{suffix}")(body=manifest, **scope)
        return "created"
    except ApiException as exc:
        if exc.status != 409:
            raise
    getattr(resource, f"patch_{suffix}")(name=meta["name"], body=manifest, **scope)
    return "updated"


def provision_all() -> dict:
    """Provision every tenant; a JSON-able summary of what was created or updated."""
    api = api_client()
    prefix = config.kube_prefix()
    summary: dict[str, dict] = {}
    try:
        for tenant in config.TENANTS.values():
            done = {
                f"{m['kind']}/{m['metadata']['name']}": apply(api, m)
                for m in objects.for_tenant(tenant, prefix)
            }
            summary[tenant.name] = {"namespace": prefix + tenant.name, "objects": done}
    finally:
        api.close()
    return summary


if __name__ == "__main__":
    print(json.dumps(provision_all(), indent=2))
