"""Chargeback by resource-seconds: per resource, bill x (tenant's resource-seconds / all)."""

from __future__ import annotations


def attribute(usage: list[dict], bill: dict[str, float]) -> dict[str, float]:
    tenants = sorted({u["tenant"] for u in usage})
    held = {
        (t, r): sum(u.get(r, 0) * u["seconds"] for u in usage if u["tenant"] == t)
        for t in tenants
        for r in bill
    }
    totals = {r: sum(held[t, r] for t in tenants) for r in bill}
    return {
        t: sum(bill[r] * (held[t, r] / totals[r] if totals[r] else 1 / len(tenants)) for r in bill)
        for t in tenants
    }
