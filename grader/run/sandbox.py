"""The one seam through which every student process is started.

Today it gives a process its own session (so the whole group can be stopped),
address-space, file-size and core limits, a scrubbed environment and captured
output.  Stronger isolation (bubblewrap, network namespaces, containers) belongs
here and nowhere else, so that no student process can bypass it.
"""

from __future__ import annotations

import os
import resource
import subprocess
from dataclasses import dataclass
from pathlib import Path

from grader.infra.processes import kill_group

LOG_LIMIT_BYTES = 64 * 1024 * 1024
"""A service that floods its output is stopped (SIGXFSZ) instead of filling the disk."""

PASSED_THROUGH_ENV = ("PATH", "LANG", "LC_ALL", "TZ", "HOME", "OPENBLAS_CORETYPE")


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 1024
    file_bytes: int = LOG_LIMIT_BYTES


def isolation_notes() -> list[str]:
    return [
        "isolation: own process group, memory and file-size limits; "
        "filesystem and network isolation are not enabled on this provider"
    ]


def base_environment() -> dict[str, str]:
    """Only what a Python process needs: never the grader's own secrets or paths."""
    env = {k: os.environ[k] for k in PASSED_THROUGH_ENV if k in os.environ}
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _apply_limits(limits: Limits) -> None:
    memory = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def spawn(
    argv: list[str], *, cwd: Path, env: dict[str, str], log_path: Path, limits: Limits
) -> subprocess.Popen:
    """Start a student process in its own session with its output appended to log_path."""
    with log_path.open("ab") as log:
        return subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=lambda: _apply_limits(limits),
        )


def run(
    argv: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    limits: Limits,
    timeout_s: float,
    input_bytes: bytes | None = None,
) -> subprocess.CompletedProcess:
    """Run a student process to completion (a call into student code), group-killed after."""
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=lambda: _apply_limits(limits),
    )
    try:
        out, err = proc.communicate(input_bytes, timeout=timeout_s)
    finally:
        kill_group(proc)  # also sweeps anything the call forked and left behind
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)
