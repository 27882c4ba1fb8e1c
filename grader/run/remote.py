"""Client side of the control server, for tests and load scenarios.

Plain urllib on purpose: it works unchanged inside Locust's gevent-patched process.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from grader.run.context import RunContext


class ServiceControlError(RuntimeError):
    """A control action failed: a service that would not start, or a bad request."""


class RemoteServices:
    """The `services` fixture: the run's student services, seen from another process."""

    def __init__(self, context: RunContext) -> None:
        self._context = context

    @property
    def state_dir(self) -> str:
        return self._context.state_dir

    @property
    def names(self) -> list[str]:
        return list(self._context.service_names)

    def url(self, name: str) -> str:
        return self._context.url(name)

    def _call(self, action: str, name: str, http_timeout_s: float = 120, **args: Any) -> Any:
        body = json.dumps({"action": action, "name": name, **args}).encode()
        request = urllib.request.Request(
            self._context.control_url,
            data=body,
            method="POST",
            headers={
                "Authorization": f"Bearer {self._context.control_token}",
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=http_timeout_s) as response:
                return json.loads(response.read())["result"]
        except urllib.error.HTTPError as exc:
            detail = json.loads(exc.read() or b"{}").get("error", str(exc))
            raise ServiceControlError(detail) from None

    def start(self, name: str, env: dict[str, str] | None = None) -> None:
        self._call("start", name, env=env)

    def restart(self, name: str, env: dict[str, str] | None = None, kill: bool = False) -> None:
        self._call("restart", name, env=env, kill=kill)

    def stop(self, name: str) -> int | None:
        return self._call("stop", name)

    def kill(self, name: str) -> int | None:
        return self._call("kill", name)

    def wait_exit(self, name: str, timeout_s: float) -> int | None:
        return self._call("wait_exit", name, http_timeout_s=timeout_s + 30, timeout_s=timeout_s)

    def is_running(self, name: str) -> bool:
        return bool(self._call("is_running", name))

    def log(self, name: str) -> str:
        return str(self._call("log", name))
