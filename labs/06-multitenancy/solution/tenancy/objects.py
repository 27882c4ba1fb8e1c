"""The Kubernetes objects that make a namespace a tenant: written as manifests (dicts).

A namespace alone isolates nothing.  Each object below closes one way a tenant can
hurt the others or read their data:

- ResourceQuota: the API server refuses pods beyond the tenant's share of the fleet;
- LimitRange: pods that name no resources get defaults, so the quota counts them
  (without it a quota on requests makes such pods fail, and without a quota they
  would be free);
- Role + RoleBinding: the tenant's user may work in its own namespace and nowhere
  else, and may read but not change its quota and limits;
- NetworkPolicy: default deny in both directions, so no pod talks to another
  tenant's pods unless a later policy allows it;
- PriorityClass: the tenant's pods are ranked against the others' when the fleet is full.
"""

from __future__ import annotations

from typing import Any

from tenancy.config import Tenant

Manifest = dict[str, Any]

DEFAULT_REQUEST = {"cpu": "250m", "memory": "256Mi"}
DEFAULT_LIMIT = {"cpu": "500m", "memory": "512Mi"}

WORKLOADS = [
    {
        "apiGroups": [""],
        "resources": [
            "pods",
            "pods/log",
            "configmaps",
            "secrets",
            "services",
            "persistentvolumeclaims",
        ],
        "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"],
    },
    {
        "apiGroups": ["apps", "batch"],
        "resources": ["deployments", "statefulsets", "jobs", "cronjobs"],
        "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"],
    },
    {
        # Read-only: a tenant sees its limits but cannot raise them.
        "apiGroups": [""],
        "resources": ["resourcequotas", "limitranges", "events"],
        "verbs": ["get", "list", "watch"],
    },
]


def _meta(name: str, tenant: Tenant, namespace: str | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": name,
        "labels": {"orbital.io/tenant": tenant.name, "orbital.io/team": tenant.team},
    }
    if namespace is not None:
        meta["namespace"] = namespace
    return meta


def for_tenant(tenant: Tenant, prefix: str) -> list[Manifest]:
    """Every object of one tenant, the namespace first (the others live in it)."""
    ns = prefix + tenant.name
    quota = tenant.quota
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(ns, tenant)},
        {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": _meta("tenant-quota", tenant, ns),
            "spec": {
                "hard": {
                    "requests.cpu": str(quota.cpu),
                    "requests.memory": f"{quota.memory_gb}Gi",
                    "requests.nvidia.com/gpu": str(quota.gpu),
                    "pods": str(quota.pods),
                }
            },
        },
        {
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": _meta("tenant-defaults", tenant, ns),
            "spec": {
                "limits": [
                    {
                        "type": "Container",
                        "defaultRequest": DEFAULT_REQUEST,
                        "default": DEFAULT_LIMIT,
                    }
                ]
            },
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": _meta("tenant-developer", tenant, ns),
            "rules": WORKLOADS,
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": _meta("tenant-developer", tenant, ns),
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "Role",
                "name": "tenant-developer",
            },
            # Exactly this tenant's user, bound in its own namespace only.
            "subjects": [
                {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": tenant.name}
            ],
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": _meta("default-deny", tenant, ns),
            "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
        },
        {
            "apiVersion": "scheduling.k8s.io/v1",
            "kind": "PriorityClass",
            "metadata": _meta(prefix + tenant.name, tenant),
            "value": tenant.priority,
            "globalDefault": False,
            "description": f"Pods of the {tenant.team} team ({tenant.name})",
        },
    ]
