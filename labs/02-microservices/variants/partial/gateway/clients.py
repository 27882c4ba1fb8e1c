"""HTTP clients for the three downstream services."""

from __future__ import annotations

import httpx

from gateway import config


class DownstreamError(Exception):
    pass


class ServiceClient:
    """A small JSON client that retries failed requests."""

    def __init__(self, base_url: str, name: str, timeout_s: float) -> None:
        self.name = name
        self.http = httpx.AsyncClient(base_url=base_url, timeout=timeout_s)

    async def request(self, method: str, path: str, json: dict | None = None) -> dict:
        last: Exception | None = None
        for _ in range(3):
            try:
                response = await self.http.request(method, path, json=json)
                response.raise_for_status()
                return response.json()
            except httpx.HTTPError as exc:
                last = exc
        raise DownstreamError(f"{self.name}: {last}") from last

    async def send_once(self, method: str, path: str, json: dict | None = None) -> None:
        response = await self.http.request(method, path, json=json)
        response.raise_for_status()

    async def close(self) -> None:
        await self.http.aclose()


def timeouts() -> dict[str, float]:
    return {
        "features": config.FEATURES_TIMEOUT_S,
        "model": config.MODEL_TIMEOUT_S,
        "monitoring": config.MONITORING_TIMEOUT_S,
    }
