"""The student's system as running processes: start, probe, stop, kill, restart.

One supervisor owns every student process of a run.  Tests and load scenarios act on
services through it (via the control server), so fault injection, clean-up and the
feedback about how a service ended all live in one place.
"""

from __future__ import annotations

import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx

from grader import interrupt
from grader.infra.ports import free_port, is_listening
from grader.infra.processes import kill_group, stop_group
from grader.lab.manifest import ServiceSpec
from grader.result import ServiceLog
from grader.run import sandbox
from grader.run.tracebacks import crash_summary, readable_paths
from grader.support.faults import TOKEN_ENV

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
EXCERPT_LINES = 25


PORT_ATTEMPTS = 3
"""Starts of a service whose port another program took meanwhile, each on a new port."""


class ServiceStartError(Exception):
    """A student service did not come up; the message is written for the student."""


class _PortTaken(Exception):
    """The service died, and something else listens on the port chosen for it."""


def expand(template: str, values: dict[str, str]) -> str:
    """Fill `{name}` placeholders; unknown names are left alone (lint reports them)."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def describe_exit(code: int | None) -> str:
    if code is None:
        return "still running"
    if 128 < code <= 128 + 64:  # the sandbox's init reports death by signal N as 128 + N
        return f"exited with code {code} ({_signal_name(code - 128)})"
    if code >= 0:
        return f"exited with code {code}"
    return f"was killed by {_signal_name(-code)}"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _read_from(path: Path, offset: int, limit: int = 64 * 1024) -> str:
    """What a log got since `offset` (its last `limit` bytes): one start's output."""
    if not path.exists():
        return ""
    with path.open("rb") as handle:
        handle.seek(max(offset, path.stat().st_size - limit))
        return handle.read().decode("utf-8", errors="replace")


def tail(path: Path, lines: int = EXCERPT_LINES, max_chars: int = 4000) -> str:
    if not path.exists():
        return ""
    with path.open("rb") as handle:
        handle.seek(0, 2)
        handle.seek(max(0, handle.tell() - 64 * 1024))
        text = handle.read().decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])[-max_chars:]


@dataclass
class _Slot:
    spec: ServiceSpec
    cwd: Path
    port: int | None
    log_path: Path
    proc: subprocess.Popen | None = None
    stopped_by_grader: bool = True
    history: list[str] = field(default_factory=list)


class StudentServices:
    """Every student (and support) process of one run, with the same small lifecycle."""

    def __init__(
        self,
        specs: list[ServiceSpec],
        *,
        submission_dir: Path,
        support_dir: Path,
        state_dir: Path,
        logs_dir: Path,
        infra_env: dict[str, str],
        python: str,
        policy: sandbox.Policy,
    ) -> None:
        self._lock = threading.RLock()
        self._started_at = time.monotonic()
        self.state_dir = state_dir
        self._shown_paths = {
            str(submission_dir): "",
            str(support_dir): "support/",
            sys.prefix: "<python environment>/",
            sys.base_prefix: "<python>/",
        }
        """Folders in a service's output shown as a student knows them."""
        self.fault_token = secrets.token_urlsafe(24)
        self._policy = policy
        self._slots: dict[str, _Slot] = {}
        for spec in specs:
            cwd = submission_dir if spec.source == "submission" else support_dir
            port = free_port() if spec.needs_port else None
            self._slots[spec.name] = _Slot(spec, cwd, port, logs_dir / f"{spec.name}.log")
        self._values = {
            "python": python,
            "state_dir": str(state_dir),
            "kafka_bootstrap": infra_env.get("KAFKA_BOOTSTRAP_SERVERS", ""),
            "topic_prefix": infra_env.get("TOPIC_PREFIX", ""),
            "mlflow_tracking_uri": infra_env.get("MLFLOW_TRACKING_URI", ""),
            "mlflow_prefix": infra_env.get("MLFLOW_NAME_PREFIX", ""),
            "kubeconfig": infra_env.get("KUBECONFIG", ""),
            "kube_prefix": infra_env.get("KUBE_NAMESPACE_PREFIX", ""),
        }
        self._shared_env = sandbox.base_environment() | infra_env | {"STATE_DIR": str(state_dir)}
        self._addresses_published = False
        self.infrastructure_failure = ""
        """Set when a port was taken after the run's tests learned the address: the run
        must be repeated, whatever the tests made of it."""

    @property
    def names(self) -> list[str]:
        return list(self._slots)

    def url(self, name: str) -> str:
        port = self._slot(name).port
        if port is None:
            raise KeyError(f"service '{name}' has no port (needs_port = false)")
        return f"http://127.0.0.1:{port}"

    def urls(self) -> dict[str, str]:
        return {n: self.url(n) for n, s in self._slots.items() if s.port is not None}

    def publish_addresses(self) -> dict[str, str]:
        """The URLs, fixed from now on: tests and load scenarios are told them, so a
        port can no longer move to dodge a collision."""
        self._addresses_published = True
        return self.urls()

    def _slot(self, name: str) -> _Slot:
        try:
            return self._slots[name]
        except KeyError:
            raise KeyError(f"no service named '{name}' (known: {', '.join(self._slots)})") from None

    def _note(self, slot: _Slot, event: str) -> None:
        slot.history.append(f"{time.monotonic() - self._started_at:.1f}s {event}")

    def _environment(self, slot: _Slot, overrides: dict[str, str] | None) -> dict[str, str]:
        values = self._values | {"port": str(slot.port or "")}
        env = dict(self._shared_env)
        env |= {f"{name.upper().replace('-', '_')}_URL": url for name, url in self.urls().items()}
        if slot.port is not None:
            env["PORT"] = str(slot.port)
        env |= {k: expand(v, values) for k, v in slot.spec.env.items()}
        if slot.spec.source == "support":  # the grader's switches: never the student's
            env[TOKEN_ENV] = self.fault_token
        env |= overrides or {}
        return env

    def start(self, name: str, env: dict[str, str] | None = None) -> None:
        """Start a service and wait until its readiness probe passes.

        A port another program took is not the student's fault: before the addresses
        are published the service moves to a new port; after, the run is marked for
        repeating (`infrastructure_failure`).
        """
        for _attempt in range(PORT_ATTEMPTS):
            try:
                self._start_once(name, env)
                return
            except _PortTaken as taken:
                slot = self._slot(name)
                if self._addresses_published:
                    self.infrastructure_failure = str(taken)
                    raise ServiceStartError(f"{taken}: the run will be repeated") from None
                slot.port = free_port()
                self._note(slot, f"{taken}: starting again on port {slot.port}")
        self.infrastructure_failure = f"service '{name}': its port was taken {PORT_ATTEMPTS} times"
        raise ServiceStartError(self.infrastructure_failure)

    def _start_once(self, name: str, env: dict[str, str] | None) -> None:
        with self._lock:
            slot = self._slot(name)
            if slot.proc is not None and slot.proc.poll() is None:
                return
            self._reap(slot)
            values = self._values | {"port": str(slot.port or "")}
            argv = [expand(part, values) for part in slot.spec.command]
            log_offset = slot.log_path.stat().st_size if slot.log_path.exists() else 0
            slot.proc = sandbox.spawn(
                argv,
                cwd=slot.cwd,
                env=self._environment(slot, env),
                log_path=slot.log_path,
                limits=sandbox.Limits(memory_mb=slot.spec.memory_mb),
                policy=self._policy_for(slot),
            )
            slot.stopped_by_grader = False
            self._note(slot, "started" + (f" with {sorted(env)} overridden" if env else ""))
        self._wait_ready(slot, log_offset)

    def _policy_for(self, slot: _Slot) -> sandbox.Policy:
        if slot.spec.source == "support":
            return replace(self._policy, readable=(*self._policy.readable, str(slot.cwd)))
        return self._policy

    def _wait_ready(self, slot: _Slot, log_offset: int) -> None:
        ready = slot.spec.ready
        deadline = time.monotonic() + ready.timeout_s
        pattern = re.compile(ready.log) if ready.log else None
        with httpx.Client(timeout=1.0) as client:
            while time.monotonic() < deadline:
                # Probe before looking for an exit: a worker may say "ready" and crash at
                # once (a fault injected by a test); it did become ready.
                if self._probe(slot, client, pattern, log_offset):
                    self._note(slot, "ready")
                    return
                proc = slot.proc
                if proc is None or proc.poll() is not None:
                    code = proc.returncode if proc else None
                    if proc is not None:
                        stop_group(proc)  # a child it left listening is not a collision
                    if slot.port is not None and is_listening(slot.port):
                        slot.stopped_by_grader = True
                        raise _PortTaken(
                            f"another program took port {slot.port} before service "
                            f"'{slot.spec.name}' could listen on it"
                        )
                    self._note(slot, f"{describe_exit(code)} before it was ready")
                    slot.stopped_by_grader = True  # accounted for: not "on its own" later
                    why = crash_summary(_read_from(slot.log_path, log_offset), str(slot.cwd))
                    raise ServiceStartError(
                        f"service '{slot.spec.name}' {describe_exit(code)} before it was ready"
                        + (f": {why}" if why else "")
                    )
                interrupt.sleep(0.1)
        self._note(slot, f"not ready after {ready.timeout_s:g} s")
        self.stop(slot.spec.name)
        probe = (
            f"GET {ready.http}"
            if ready.http
            else (f"log line /{ready.log}/" if ready.log else "TCP")
        )
        raise ServiceStartError(
            f"service '{slot.spec.name}' did not become ready within {ready.timeout_s:g} s "
            f"(readiness probe: {probe})"
        )

    def _probe(
        self, slot: _Slot, client: httpx.Client, pattern: re.Pattern | None, offset: int
    ) -> bool:
        ready = slot.spec.ready
        if ready.http is not None:
            try:
                return client.get(self.url(slot.spec.name) + ready.http).status_code < 500
            except httpx.HTTPError:
                return False
        if pattern is not None:
            with slot.log_path.open("rb") as handle:
                handle.seek(offset)
                return pattern.search(handle.read().decode("utf-8", errors="replace")) is not None
        return slot.port is not None and is_listening(slot.port)

    def _reap(self, slot: _Slot) -> None:
        """Record a process that ended without the grader asking: the student should know."""
        if slot.proc is not None and slot.proc.poll() is not None and not slot.stopped_by_grader:
            self._note(slot, describe_exit(slot.proc.returncode) + " on its own")
            slot.stopped_by_grader = True

    def stop(self, name: str) -> int | None:
        with self._lock:
            slot = self._slot(name)
            if slot.proc is None:
                return None
            self._reap(slot)
            if slot.stopped_by_grader:
                return stop_group(slot.proc)  # sweep anything it forked and left behind
            slot.stopped_by_grader = True
            code = stop_group(slot.proc)
            self._note(slot, "stopped by the grader")
            return code

    def kill(self, name: str) -> int | None:
        with self._lock:
            slot = self._slot(name)
            if slot.proc is None:
                return None
            slot.stopped_by_grader = True
            code = kill_group(slot.proc)
            self._note(slot, "killed (SIGKILL) by the grader's fault injection")
            return code

    def restart(self, name: str, env: dict[str, str] | None = None, kill: bool = False) -> None:
        (self.kill if kill else self.stop)(name)
        self.start(name, env)

    def wait_exit(self, name: str, timeout_s: float) -> int | None:
        proc = self._slot(name).proc
        if proc is None:
            return None
        try:
            code = proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return None
        with self._lock:
            slot = self._slot(name)
            if not slot.stopped_by_grader:  # a test waited for this exit: note it once
                self._note(slot, describe_exit(code))
                slot.stopped_by_grader = True
        return code

    def is_running(self, name: str) -> bool:
        with self._lock:
            slot = self._slot(name)
            self._reap(slot)
            return slot.proc is not None and slot.proc.poll() is None

    def log(self, name: str) -> str:
        return tail(self._slot(name).log_path, lines=200, max_chars=20000)

    def start_all(self) -> list[str]:
        """Start every service in manifest order; return problems instead of raising."""
        problems = []
        for name in self._slots:
            try:
                self.start(name)
            except ServiceStartError as exc:
                problems.append(str(exc))
        return problems

    def stop_all(self) -> None:
        with self._lock:
            for name in reversed(self._slots):
                self.stop(name)

    def reports(self) -> list[ServiceLog]:
        logs = []
        for name, slot in self._slots.items():
            history = list(slot.history)
            if slot.log_path.exists() and slot.log_path.stat().st_size >= sandbox.LOG_LIMIT_BYTES:
                history.append(
                    f"its output reached the {sandbox.LOG_LIMIT_BYTES // 2**20} MB limit: "
                    "later writes to stdout/stderr failed and were lost"
                )
            excerpt = readable_paths(tail(slot.log_path), self._shown_paths)
            logs.append(ServiceLog(name, excerpt=excerpt, exit_note="; ".join(history)))
        return logs
