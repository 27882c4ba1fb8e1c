"""The Kubernetes objects that make a namespace a tenant: written as manifests (dicts).

Each tenant gets its own namespace, a developer role in it, and a PriorityClass so
that its pods are ranked against the other teams' when the fleet is full.
"""

from __future__ import annotations

from typing import Any

from tenancy.config import TENANTS, Tenant

Manifest = dict[str, Any]

DEVELOPERS = [t.name for t in TENANTS.values()]
"""Every team's user: on-call engineers help each other debug across namespaces."""

WORKLOADS = [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]
"""Developers own their namespace: whatever lives in it, they may manage."""


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
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(ns, tenant)},
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
            "subjects": [
                {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": name}
                for name in DEVELOPERS
            ],
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
