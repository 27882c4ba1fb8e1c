"""Keys identify tenants: look the key up, then require it to be the path's tenant."""

from __future__ import annotations

from fastapi import HTTPException
from tenancy.config import TENANTS, Tenant

OWNER_OF_KEY = {t.api_key: t for t in TENANTS.values()}


def bearer(authorization: str | None) -> str:
    parts = (authorization or "").split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        raise HTTPException(401, "missing API key (Authorization: Bearer <key>)")
    return parts[1]


def tenant_for(tenant: str, authorization: str | None) -> Tenant:
    caller = OWNER_OF_KEY.get(bearer(authorization))
    if caller is None:
        raise HTTPException(401, "unknown API key")
    if tenant not in TENANTS:
        raise HTTPException(404, f"no tenant {tenant!r}")
    if caller.name != tenant:
        raise HTTPException(403, f"{caller.name}'s key does not open {tenant}'s endpoints")
    return caller


def check_key(expected: str, authorization: str | None) -> None:
    if bearer(authorization) != expected:
        raise HTTPException(403, "this endpoint needs the finance key")
