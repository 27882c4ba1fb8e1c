"""Who is calling: a tenant's API key opens that tenant's endpoints and no other's."""

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
    """The tenant named in the path, if the key is that tenant's: 401 without a key,
    403 with another tenant's key, 404 for a tenant that does not exist."""
    key = bearer(authorization)
    owner = TENANTS.get(tenant)
    if owner is None:
        raise HTTPException(404, f"no tenant {tenant!r}")
    if not hmac.compare_digest(key.encode(), owner.api_key.encode()):
        raise HTTPException(403, f"this key does not belong to {tenant}")
    return owner


def check_key(expected: str, authorization: str | None) -> None:
    if not hmac.compare_digest(bearer(authorization).encode(), expected.encode()):
        raise HTTPException(403, "this endpoint needs the finance key")
