"""The grader's switches on a support service: injected latency, errors and outages,
and a count of the calls it received.

A lab's support services (another team's feature service, say) wrap their ASGI app:

    from grader.support.faults import FaultInjection
    app = FaultInjection(FastAPI(...))

The grader flips the switches over HTTP under `/_labgrade/`, guarded by a per-run
token that only support services receive (`LABGRADE_FAULT_TOKEN`), so the student's
system can neither see nor clear a fault.  Errors are drawn from a seeded RNG so a
grading is repeatable.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

TOKEN_ENV = "LABGRADE_FAULT_TOKEN"
ADMIN_PREFIX = "/_labgrade/"
UNCOUNTED = ("/health",)


@dataclass
class Fault:
    latency_ms: float = 0.0
    error_rate: float = 0.0
    error_status: int = 503
    outage: bool = False


class FaultInjection:
    """ASGI middleware: counts every call, then applies the current fault to it."""

    def __init__(self, app: Any, seed: int = 0, uncounted: tuple[str, ...] = UNCOUNTED) -> None:
        self.app = app
        self.token = os.environ.get(TOKEN_ENV, "")
        self.fault = Fault()
        self.calls: Counter[str] = Counter()
        self.uncounted = uncounted
        self._seed = seed
        self._rng = random.Random(seed)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path.startswith(ADMIN_PREFIX):
            await self._admin(scope, receive, send)
            return
        if path not in self.uncounted:
            self.calls[path] += 1
        fault = self.fault
        if fault.outage:
            await _reply(send, 503, {"error": "injected outage"})
            return
        if fault.latency_ms > 0:
            await asyncio.sleep(fault.latency_ms / 1000)
        if fault.error_rate > 0 and self._rng.random() < fault.error_rate:
            await _reply(send, fault.error_status, {"error": "injected error"})
            return
        await self.app(scope, receive, send)

    async def _admin(self, scope: dict, receive: Any, send: Any) -> None:
        headers = dict(scope.get("headers") or [])
        if not self.token or headers.get(b"x-labgrade-token", b"").decode() != self.token:
            await _reply(send, 403, {"error": "fault switches are the grader's"})
            return
        what, method = scope["path"][len(ADMIN_PREFIX) :], scope["method"]
        if what == "fault" and method == "PUT":
            self.fault = Fault(**json.loads(await _body(receive) or b"{}"))
            self._rng = random.Random(self._seed)  # the same fault fails the same calls
        elif what == "fault" and method == "DELETE":
            self.fault = Fault()
        elif what == "calls" and method == "DELETE":
            self.calls.clear()
        elif not (what in ("fault", "calls") and method == "GET"):
            await _reply(send, 404, {"error": f"no {method} {scope['path']}"})
            return
        calls = {"total": sum(self.calls.values()), "paths": dict(self.calls)}
        await _reply(send, 200, {"fault": asdict(self.fault), "calls": calls})


async def _body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _reply(send: Any, status: int, body: dict) -> None:
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
