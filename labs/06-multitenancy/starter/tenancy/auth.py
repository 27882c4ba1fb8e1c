"""Who is calling: only holders of a platform API key get in."""

from __future__ import annotations

import hmac

from fastapi import HTTPException

from tenancy.config import TENANTS, Tenant


def bearer(authorization: str | None) -> str:
    scheme, _, key = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not key:
        raise HTTPException(401, "missing API key (Authorization: Bearer <key>)")
    return key.strip()


def tenant_for(tenant: str, authorization: str | None) -> Tenant:
    """The tenant named in the path, for a caller with a valid key: 401 without a
    valid key, 404 for a tenant that does not exist."""
    key = bearer(authorization)
    if not any(hmac.compare_digest(key.encode(), t.api_key.encode()) for t in TENANTS.values()):
        raise HTTPException(401, "unknown API key")
    owner = TENANTS.get(tenant)
    if owner is None:
        raise HTTPException(404, f"no tenant {tenant!r}")
    return owner


def check_key(expected: str, authorization: str | None) -> None:
    if not hmac.compare_digest(bearer(authorization).encode(), expected.encode()):
        raise HTTPException(403, "this endpoint needs the finance key")
