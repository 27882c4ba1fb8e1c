"""The `faults` fixture and the load runner's fault actions: flip a support service's
switches (see grader.support.faults) from a test or a load scenario."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from grader.run.context import RunContext


class FaultSwitchError(RuntimeError):
    """A support service's switches could not be reached: the service is down or bare."""


class RemoteFaults:
    def __init__(self, context: RunContext) -> None:
        self._context = context

    def _call(self, service: str, method: str, what: str, body: dict | None = None) -> dict:
        url = self._context.url(service) + "/_labgrade/" + what
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            url,
            data=data,
            method=method,
            headers={
                "X-Labgrade-Token": self._context.fault_token,
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read())
        except OSError as exc:  # URLError and HTTPError are OSErrors
            raise FaultSwitchError(
                f"could not flip the switches of support service '{service}' ({exc}); "
                "is it running and wrapped in grader.support.faults.FaultInjection?"
            ) from None

    def set(
        self,
        service: str,
        *,
        latency_ms: float = 0,
        error_rate: float = 0,
        error_status: int = 503,
        outage: bool = False,
    ) -> None:
        """Replace the service's fault (not cumulative): each call sets the whole fault."""
        fault = {
            "latency_ms": latency_ms,
            "error_rate": error_rate,
            "error_status": error_status,
            "outage": outage,
        }
        self._call(service, "PUT", "fault", fault)

    def get(self, service: str) -> dict[str, Any]:
        """The service's current fault (all zero when healthy)."""
        return dict(self._call(service, "GET", "fault")["fault"])

    def clear(self, service: str) -> None:
        self._call(service, "DELETE", "fault")

    def calls(self, service: str) -> int:
        """Calls the service received (health checks excluded) since the last reset."""
        return int(self._call(service, "GET", "calls")["calls"]["total"])

    def calls_by_path(self, service: str) -> dict[str, int]:
        return dict(self._call(service, "GET", "calls")["calls"]["paths"])

    def reset_calls(self, service: str) -> None:
        self._call(service, "DELETE", "calls")

    @contextmanager
    def injected(self, service: str, **fault: Any) -> Iterator[None]:
        """Hold a fault for a block, then put back the one before (a check's own fault)."""
        before = self.get(service)
        self.set(service, **fault)
        try:
            yield
        finally:
            self.set(service, **before)
