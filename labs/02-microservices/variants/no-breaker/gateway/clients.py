"""The three downstream services, as the gateway sees them.

The HTTP client never retries and never waits without a bound: the retry loop and
the timeouts live in `resilience.call_with_retries`, in one layer.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time

import httpx

from gateway import config
from gateway.resilience import Unavailable, call_with_retries, check_status

log = logging.getLogger("gateway")


class Downstream:
    """Features and model: idempotent calls (variant no-breaker: no circuit breaker)."""

    def __init__(self, client: httpx.AsyncClient, rng: random.Random) -> None:
        self.client = client
        self.rng = rng

    async def features(self, entity_id: str, deadline: float) -> dict[str, float]:
        async def send() -> dict:
            r = await self.client.get(f"{config.FEATURES_URL}/features/{entity_id}")
            return check_status(r, "feature service")

        body = await call_with_retries(
            send,
            name="feature service",
            timeout_s=config.FEATURES_TIMEOUT_S,
            retries=config.MAX_RETRIES,
            deadline=deadline,
            base=config.BACKOFF_BASE_S,
            cap=config.BACKOFF_CAP_S,
            rng=self.rng,
        )
        return body["features"]

    async def score(self, features: dict[str, float], deadline: float) -> dict:
        async def send() -> dict:
            r = await self.client.post(f"{config.MODEL_URL}/predict", json={"features": features})
            return check_status(r, "model service")

        return await call_with_retries(
            send,
            name="model service",
            timeout_s=config.MODEL_TIMEOUT_S,
            retries=config.MAX_RETRIES,
            deadline=deadline,
            base=config.BACKOFF_BASE_S,
            cap=config.BACKOFF_CAP_S,
            rng=self.rng,
        )


class MonitoringReporter:
    """Fire and forget, off the hot path: a bounded queue drained by a few workers.

    `POST /records` is not idempotent, so a record is sent at most once: a timeout
    or an error loses that record (counted in `lost`) instead of risking a duplicate.
    A full queue drops new records (`dropped`) rather than holding predictions back.
    """

    def __init__(self, client: httpx.AsyncClient, workers: int = 4, backlog: int = 1000) -> None:
        self.client = client
        self.queue: asyncio.Queue[dict] = asyncio.Queue(maxsize=backlog)
        self.n_workers = workers
        self.tasks: list[asyncio.Task] = []
        self.sent = self.lost = self.dropped = 0

    def start(self) -> None:
        self.tasks = [asyncio.create_task(self._worker()) for _ in range(self.n_workers)]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    def report(self, record: dict) -> None:
        try:
            self.queue.put_nowait(record)
        except asyncio.QueueFull:
            self.dropped += 1

    async def _worker(self) -> None:
        while True:
            record = await self.queue.get()
            try:
                async with asyncio.timeout(config.MONITORING_TIMEOUT_S):
                    r = await self.client.post(f"{config.MONITORING_URL}/records", json=record)
                self.sent += r.status_code < 300
                self.lost += r.status_code >= 300
            except (TimeoutError, httpx.HTTPError):
                self.lost += 1
            except Exception:  # a worker must outlive any one record
                log.exception("monitoring record failed")
                self.lost += 1
            finally:
                self.queue.task_done()


def deadline_from_now() -> float:
    return time.monotonic() + config.DEADLINE_S


__all__ = ["Downstream", "MonitoringReporter", "Unavailable", "deadline_from_now"]
