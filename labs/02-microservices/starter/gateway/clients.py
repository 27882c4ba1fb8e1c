"""HTTP clients for the three downstream services."""

from __future__ import annotations

import httpx


class DownstreamError(Exception):
    pass


class ServiceClient:
    """A small JSON client that retries failed requests."""

    def __init__(self, base_url: str, name: str) -> None:
        self.name = name
        # Some of the model's answers are slow; don't cut them off.
        self.http = httpx.AsyncClient(base_url=base_url, timeout=None)

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

    async def close(self) -> None:
        await self.http.aclose()
