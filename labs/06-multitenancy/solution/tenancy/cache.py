"""The prediction cache: identical requests are answered without calling the model.

Two tenants may send the same feature vector; their models differ, and so may what
they are allowed to see.  The key therefore names the tenant and its model, never
only the input.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from tenancy.config import Tenant

Key = tuple[Any, ...]


class PredictionCache:
    """Least-recently-used, bounded."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._entries: OrderedDict[Key, dict[str, Any]] = OrderedDict()

    @staticmethod
    def key(tenant: Tenant, features: list[float]) -> Key:
        return (tenant.name, tenant.model, *features)

    def get(self, tenant: Tenant, features: list[float]) -> dict[str, Any] | None:
        key = self.key(tenant, features)
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, tenant: Tenant, features: list[float], entry: dict[str, Any]) -> None:
        key = self.key(tenant, features)
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
