"""Service control across processes: tests and load scenarios run in their own
processes, but the grader owns the student services.  A small HTTP server on loopback,
guarded by a per-run token, lets them stop, kill and restart services through the
one supervisor, which records every action for the feedback.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from grader.interrupt import Interrupted
from grader.run.services import ServiceStartError, StudentServices


class _Handler(BaseHTTPRequestHandler):
    server: _ControlServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the grader has its own logs
        pass

    def do_POST(self) -> None:
        if self.headers.get("Authorization") != f"Bearer {self.server.token}":
            self._reply(403, {"error": "bad token"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        try:
            self._reply(200, {"result": self._dispatch(request)})
        except ServiceStartError as exc:
            self._reply(409, {"error": str(exc), "kind": "start"})
        except (KeyError, TypeError, ValueError) as exc:
            self._reply(400, {"error": str(exc)})
        except Interrupted:  # the run is stopping; its owner cleans up
            self._reply(503, {"error": "the grading is stopping"})

    def _dispatch(self, request: dict[str, Any]) -> Any:
        services = self.server.services
        action, name = request["action"], request.get("name", "")
        if action == "start":
            return services.start(name, request.get("env"))
        if action == "restart":
            return services.restart(name, request.get("env"), bool(request.get("kill")))
        if action == "stop":
            return services.stop(name)
        if action == "kill":
            return services.kill(name)
        if action == "wait_exit":
            return services.wait_exit(name, float(request["timeout_s"]))
        if action == "is_running":
            return services.is_running(name)
        if action == "log":
            return services.log(name)
        raise ValueError(f"unknown action '{action}'")

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the caller is gone
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)


class _ControlServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, services: StudentServices) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.services = services
        self.token = secrets.token_urlsafe(24)


class ControlServer:
    """Runs in a background thread of the grader for the length of one run."""

    def __init__(self, services: StudentServices) -> None:
        self._server = _ControlServer(services)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def token(self) -> str:
        return self._server.token

    def __enter__(self) -> ControlServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
