"""Check group `serving`: predictions are isolated per tenant (keys, cache, rate limits)."""

from __future__ import annotations

import asyncio
import random

import httpx
from orbital import MODELS, TENANTS, auth


def _fresh() -> list[float]:
    """A feature vector nobody asked about before (so the first answer is not cached)."""
    return [round(random.uniform(-3, 3), 6) for _ in range(8)]


def _predict(http, tenant: str, features: list[float], key_of: str | None = None):
    return http.post(
        f"/v1/{tenant}/predict", json={"features": features}, headers=auth(key_of or tenant)
    )


def test_each_tenant_is_answered_by_its_own_model(http):
    for tenant in TENANTS:
        r = _predict(http, tenant, _fresh())
        assert r.status_code == 200, f"POST /v1/{tenant}/predict answered {r.status_code}"
        body = r.json()
        assert body.get("model") == MODELS[tenant] and 0 <= body.get("score", -1) <= 1, (
            f"{tenant}'s prediction must come from its model {MODELS[tenant]}: got {body}"
        )


def test_cache_does_not_leak_across_tenants(http):
    features = _fresh()
    first = _predict(http, "tenant-a", features).json()
    for tenant in ("tenant-b", "tenant-c"):
        body = _predict(http, tenant, features).json()
        assert body.get("model") == MODELS[tenant] and body.get("score") != first.get("score"), (
            f"tenant-a asked about a feature vector, then {tenant} asked about the same one and "
            f"got {body}: tenant-a's cached prediction ({first.get('model')}, score "
            f"{first.get('score')}). A shared cache must key every entry by tenant (and model), "
            "or one tenant reads another's results."
        )
    again = _predict(http, "tenant-a", features).json()
    assert again.get("score") == first.get("score"), (
        f"tenant-a asked twice about the same vector and got {first} then {again}"
    )


def test_another_tenants_key_is_refused(http):
    features = _fresh()
    r = _predict(http, "tenant-b", features, key_of="tenant-a")
    assert r.status_code == 403, (
        f"tenant-a's API key was accepted on tenant-b's prediction endpoint (answer "
        f"{r.status_code}, expected 403): a key authenticates one tenant; check that the key "
        "belongs to the tenant in the path, not just that it is a valid key"
    )
    r = http.get("/v1/tenant-b/jobs", headers=auth("tenant-c"))
    assert r.status_code == 403, (
        f"tenant-c's key could list tenant-b's jobs (answer {r.status_code}, expected 403)"
    )
    r = http.post(
        "/v1/tenant-b/predict",
        json={"features": features},
        headers={"Authorization": "Bearer not-a-key"},
    )
    assert r.status_code in (401, 403), f"an unknown key was answered {r.status_code}"


async def _quiet_next_to_noisy(url: str) -> list[int]:
    """tenant-c keeps sending back to back while tenant-b sends 10 requests, 50 ms apart."""
    async with httpx.AsyncClient(base_url=url, timeout=20) as client:
        done = asyncio.Event()

        async def noisy() -> None:
            while not done.is_set():
                await client.post(
                    "/v1/tenant-c/predict", json={"features": _fresh()}, headers=auth("tenant-c")
                )

        hammering = asyncio.create_task(noisy())
        codes = []
        for _ in range(10):
            await asyncio.sleep(0.05)
            r = await client.post(
                "/v1/tenant-b/predict", json={"features": _fresh()}, headers=auth("tenant-b")
            )
            codes.append(r.status_code)
        done.set()
        await hammering
    return codes


def test_rate_limit_is_per_tenant(http, services):
    features = _fresh()
    throttled = None
    for _ in range(400):
        r = _predict(http, "tenant-c", features)
        if r.status_code == 429:
            throttled = r
            break
        assert r.status_code == 200, f"tenant-c's prediction answered {r.status_code}"
    assert throttled is not None, (
        "400 predictions of tenant-c back to back (its limit: 30/s, bursts of 30) were never "
        "answered 429: each tenant needs a rate limit of its own"
    )
    retry = throttled.headers.get("Retry-After", "")
    assert retry.isdigit() and int(retry) >= 1, (
        f"a 429 must say when to come back: Retry-After in whole seconds (got {retry!r})"
    )
    codes = asyncio.run(_quiet_next_to_noisy(services.url("gateway")))
    assert all(c == 200 for c in codes), (
        f"while tenant-c kept sending over its limit, tenant-b (far under its own limit) got "
        f"{codes}: one tenant's traffic used up another's budget. Give every tenant its own "
        "token bucket (rate and burst from its contract)."
    )
