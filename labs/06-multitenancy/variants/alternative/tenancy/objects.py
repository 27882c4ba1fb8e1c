"""The tenant's guardrails as one YAML template, rendered per tenant.

Each object closes one way a tenant could hurt the others: the quota and limit range
bound what it may hold (and make every pod count), the Role and RoleBinding confine
its user to its own namespace, read-only on its guardrails, the network policy denies
all traffic by default, and the PriorityClass ranks its pods.
"""

from __future__ import annotations

from string import Template
from typing import Any

import yaml
from tenancy.config import Tenant

Manifest = dict[str, Any]

TEMPLATE = Template(
    """
apiVersion: v1
kind: Namespace
metadata: {name: $ns, labels: {orbital.io/tenant: $tenant}}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: compute, namespace: $ns}
spec:
  hard:
    cpu: "$cpu"
    memory: ${memory}Gi
    requests.nvidia.com/gpu: "$gpu"
    pods: "$pods"
---
apiVersion: v1
kind: LimitRange
metadata: {name: container-defaults, namespace: $ns}
spec:
  limits:
  - type: Container
    defaultRequest: {cpu: 100m, memory: 128Mi}
    default: {cpu: "1", memory: 1Gi}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: developer, namespace: $ns}
rules:
- apiGroups: ["", apps, batch]
  resources: [pods, pods/log, configmaps, secrets, services, deployments, jobs]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [""]
  resources: [resourcequotas, limitranges]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: developer, namespace: $ns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: developer}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: $tenant}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: $ns}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: $ns}
value: $priority
"""
)


def for_tenant(tenant: Tenant, prefix: str) -> list[Manifest]:
    rendered = TEMPLATE.substitute(
        ns=prefix + tenant.name,
        tenant=tenant.name,
        cpu=tenant.quota.cpu,
        memory=tenant.quota.memory_gb,
        gpu=tenant.quota.gpu,
        pods=tenant.quota.pods,
        priority=tenant.priority,
    )
    return [doc for doc in yaml.safe_load_all(rendered) if doc]
