"""Synchronous downstream calls with one retry layer (alternative variant)."""

from __future__ import annotations

import contextlib
import logging
import queue
import random
import threading
import time

import httpx

from gateway import config
from gateway.resilience import CircuitBreaker, backoff_delay

log = logging.getLogger("gateway")


class NoAnswer(Exception):
    pass


class Dependency:
    def __init__(self, http: httpx.Client, name: str, timeout_s: float) -> None:
        self.http = http
        self.name = name
        self.timeout_s = timeout_s
        self.breaker = CircuitBreaker(config.BREAKER_FAILURES, config.BREAKER_RESET_S)
        self.rng = random.Random()
        self.rng_lock = threading.Lock()

    def call(self, method: str, url: str, deadline: float, body: dict | None = None) -> dict:
        for attempt in range(config.MAX_RETRIES + 1):
            left = deadline - time.monotonic()
            if left < 0.02 or not self.breaker.allow():
                raise NoAnswer(f"{self.name} skipped")
            t = min(self.timeout_s, left)
            try:
                r = self.http.request(method, url, json=body, timeout=httpx.Timeout(t))
            except httpx.HTTPError:
                self.breaker.record_failure()
            else:
                if r.status_code < 500:
                    self.breaker.record_success()
                    if r.status_code >= 400:
                        raise NoAnswer(f"{self.name} said {r.status_code}")
                    return r.json()
                self.breaker.record_failure()
            if attempt < config.MAX_RETRIES:
                with self.rng_lock:
                    pause = backoff_delay(
                        attempt, config.BACKOFF_BASE_S, config.BACKOFF_CAP_S, self.rng
                    )
                if time.monotonic() + pause >= deadline:
                    break
                time.sleep(pause)
        raise NoAnswer(f"{self.name} failed")


class Reporter:
    """queue.Queue + daemon threads; each record is posted once, never retried."""

    def __init__(self, http: httpx.Client, threads: int = 3) -> None:
        self.http = http
        self.q: queue.Queue[dict] = queue.Queue(maxsize=500)
        for _ in range(threads):
            threading.Thread(target=self._run, daemon=True).start()

    def put(self, record: dict) -> None:
        try:
            self.q.put_nowait(record)
        except queue.Full:
            log.warning("monitoring backlog full: record dropped")

    def _run(self) -> None:
        while True:
            record = self.q.get()
            with contextlib.suppress(Exception):  # lost, never re-sent
                self.http.post(
                    f"{config.MONITORING_URL}/records",
                    json=record,
                    timeout=httpx.Timeout(config.MONITORING_TIMEOUT_S),
                )
