"""`labgrade infra up|status|down`: keep a lab's infrastructure running between runs.

A student working on a lab starts the broker once, points their own processes at it,
and `labgrade check` reuses it instead of starting a fresh one.  The services live in
a detached daemon process that owns them and cleans up when told to stop; a small
state file says where they are.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from grader.infra.kafka import ExternalKafka
from grader.infra.kubernetes import ExternalKubernetes
from grader.infra.local import start_services, stop_services
from grader.infra.mlflow import ExternalMlflow
from grader.infra.ports import is_listening
from grader.infra.service import InfraService, InfrastructureError

START_TIMEOUT_S = 60


def state_file() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "labgrade" / "infra.json"


@dataclass
class Session:
    pid: int
    services: dict[str, dict[str, str]]

    def alive(self) -> bool:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        return all(_listening(conn) for conn in self.services.values())

    def attach(self, needs: list[str]) -> dict[str, InfraService] | None:
        """Services for a run, or None when this session lacks one the lab needs."""
        if not self.alive() or any(n not in self.services for n in needs):
            return None
        attached: dict[str, InfraService] = {}
        for name in needs:
            if name == "kafka":
                attached[name] = ExternalKafka(self.services[name]["KAFKA_BOOTSTRAP_SERVERS"])
            elif name == "mlflow":
                attached[name] = ExternalMlflow(self.services[name]["MLFLOW_TRACKING_URI"])
            elif name == "kubernetes":
                cluster = self.services[name]
                attached[name] = ExternalKubernetes(
                    cluster["KUBECONFIG"], cluster.get("KUBE_TENANT_KUBECONFIGS")
                )
        return attached if len(attached) == len(needs) else None


def _listening(connection: dict[str, str]) -> bool:
    for value in connection.values():
        address = urlsplit(value if "://" in value else f"//{value}")
        try:
            port = address.port
        except ValueError:
            continue
        if port is not None and not is_listening(port, address.hostname or "127.0.0.1"):
            return False
    return True


def current() -> Session | None:
    path = state_file()
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    session = Session(pid=data["pid"], services=data["services"])
    return session if session.alive() else None


def up(needs: list[str]) -> Session:
    existing = current()
    if existing is not None and all(n in existing.services for n in needs):
        return existing
    if existing is not None:
        down()
    path = state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    log = path.with_suffix(".log").open("ab")
    subprocess.Popen(
        [sys.executable, "-m", "grader.infra.session", *needs],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        session = current()
        if session is not None:
            return session
        time.sleep(0.1)
    raise InfrastructureError(
        f"infrastructure did not start within {START_TIMEOUT_S} s; see {log.name}"
    )


def down() -> bool:
    """Stop the session's daemon; True if one was running."""
    path = state_file()
    if not path.is_file():
        return False
    pid = json.loads(path.read_text(encoding="utf-8"))["pid"]
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        path.unlink(missing_ok=True)
        return False
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if _gone(pid):
            break
        time.sleep(0.1)
    else:
        os.killpg(pid, signal.SIGKILL)
    path.unlink(missing_ok=True)
    return True


def _gone(pid: int) -> bool:
    """True once the daemon has exited; reaps it when it is our own child (a zombie)."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return True
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _serve(needs: list[str]) -> None:
    """The daemon: own the services until SIGTERM, then stop them and forget the state."""
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    services = start_services(needs)
    path = state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        connections = {name: s.connection() for name, s in services.items()}
        path.write_text(json.dumps({"pid": os.getpid(), "services": connections}), encoding="utf-8")
        while not stopping.wait(1.0):
            if not all(s.is_healthy() for s in services.values()):
                break
    finally:
        stop_services(services)
        path.unlink(missing_ok=True)


if __name__ == "__main__":
    _serve(sys.argv[1:] or ["kafka"])
