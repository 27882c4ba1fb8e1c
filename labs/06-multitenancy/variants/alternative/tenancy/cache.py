"""One bounded LRU cache per tenant: no entry can ever be found under another tenant."""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from typing import Any

from tenancy.config import Tenant


class PredictionCache:
    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._per_tenant: dict[str, OrderedDict] = defaultdict(OrderedDict)

    def get(self, tenant: Tenant, features: list[float]) -> dict[str, Any] | None:
        entries = self._per_tenant[tenant.name]
        key = (tenant.model, *features)
        if key in entries:
            entries.move_to_end(key)
        return entries.get(key)

    def put(self, tenant: Tenant, features: list[float], entry: dict[str, Any]) -> None:
        entries = self._per_tenant[tenant.name]
        entries[(tenant.model, *features)] = entry
        if len(entries) > self.size:
            entries.popitem(last=False)
