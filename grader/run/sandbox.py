"""The one seam through which every student process is started.

Every student process gets its own session (so the whole group can be stopped),
address-space, file-size and core limits, a scrubbed environment and captured
output.  Where bubblewrap is installed it also runs in a private filesystem view:
the operating system, the Python environment and the grader package read-only, its
own code and state folders writable, and nothing else (no hidden tests, lab sources,
results, home folders or other checkouts); plus its own PID namespace, so nothing
it forks outlives it.  Stronger isolation (a network namespace, containers)
belongs here and nowhere else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from grader.infra.processes import kill_group

LOG_LIMIT_BYTES = 64 * 1024 * 1024
"""Output beyond this is refused (EFBIG) instead of filling the disk."""

SYSTEM_FOLDERS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
"""The operating system, read-only; everything else a student process sees is listed."""

PASSED_THROUGH_ENV = ("PATH", "LANG", "LC_ALL", "TZ", "HOME", "OPENBLAS_CORETYPE")


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 1024
    file_bytes: int = LOG_LIMIT_BYTES


@dataclass(frozen=True)
class Policy:
    """What a process may touch: all read-only but `writable`, never `hidden`.

    `readable` re-exposes (read-only) a folder inside a hidden one: the instructor's
    support services run from the trusted workspace through this same seam.
    """

    writable: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    readable: tuple[str, ...] = ()
    network: bool = True
    """False: a network namespace of its own, with nothing in it but loopback."""


@cache
def bubblewrap() -> str | None:
    """bwrap's path if it is installed and works here (it needs user namespaces or root)."""
    path = shutil.which("bwrap")
    if path is None:
        return None
    probe = [
        path,
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--unshare-pid",
        "true",
    ]
    try:
        ok = subprocess.run(probe, capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return path if ok else None


def runtime_paths() -> tuple[str, ...]:
    """What a Python process needs beyond the OS: the interpreter's environment and the
    grader package (support services and the call shim import it).  Not the project
    folder: it holds labs, tests and results."""
    package = Path(__file__).resolve().parents[1]
    return tuple(dict.fromkeys([sys.prefix, sys.base_prefix, str(package)]))


def isolation_notes() -> list[str]:
    if bubblewrap():
        return [
            "isolation: bubblewrap (read-only filesystem, hidden tests and results not "
            "visible, own PID namespace), process group, memory and file-size limits; "
            "network isolation is not enabled"
        ]
    return [
        "isolation: own process group, memory and file-size limits; bubblewrap is not "
        "installed, so filesystem isolation is off; network isolation is not enabled"
    ]


def base_environment() -> dict[str, str]:
    """Only what a Python process needs: never the grader's own secrets or paths."""
    env = {k: os.environ[k] for k in PASSED_THROUGH_ENV if k in os.environ}
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # The memory limit is on address space, and glibc reserves 64 MB of it per thread
    # arena: without this a threaded server fails to start threads long before using RAM.
    env["MALLOC_ARENA_MAX"] = "2"
    return env


def confined(argv: list[str], cwd: Path, policy: Policy) -> list[str]:
    """argv wrapped in bubblewrap when it is available; unchanged otherwise."""
    bwrap = bubblewrap()
    if bwrap is None:
        return argv
    # No --die-with-parent: it ties the sandbox to the *thread* that started it, and
    # services are restarted from short-lived control-server threads.  Clean-up is by
    # process group, and the PID namespace takes every descendant down with it.
    wrapped = [bwrap, "--unshare-pid", "--unshare-ipc"]
    if not policy.network:
        wrapped.append("--unshare-net")
    for folder in SYSTEM_FOLDERS:  # a whitelist: home folders, other checkouts, /work... absent
        path = Path(folder)
        if path.is_symlink():
            wrapped += ["--symlink", os.readlink(path), folder]
        elif path.is_dir():
            wrapped += ["--ro-bind", folder, folder]
    wrapped += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    # Order matters: readable folders first, then hidden ones (which may lie inside them:
    # the labs inside a checkout), then readable folders inside hidden ones (a support
    # service's code inside the trusted workspace), then the writable ones.
    hidden = [Path(p) for p in policy.hidden]
    re_exposed = [p for p in policy.readable if any(Path(p).is_relative_to(h) for h in hidden)]
    for path in policy.readable:
        if path not in re_exposed:
            wrapped += ["--ro-bind", path, path]
    for path in hidden:
        if path.is_dir():
            wrapped += ["--tmpfs", str(path)]
    for path in re_exposed:
        wrapped += ["--ro-bind", path, path]
    for path in policy.writable:
        wrapped += ["--bind", path, path]
    return [*wrapped, "--chdir", str(cwd), "--", *argv]


def limited(argv: list[str], limits: Limits) -> list[str]:
    """argv under prlimit(1): address-space, file-size and core limits.

    Not `preexec_fn`: the grader starts processes from threads (the control server,
    a batch's runs, pytest's librdkafka threads), and Python documents that code run
    between fork and exec in a threaded process may deadlock.
    """
    memory = limits.memory_mb * 1024 * 1024
    return [
        _prlimit(),
        f"--as={memory}",
        f"--fsize={limits.file_bytes}",
        "--core=0",
        "--",
        *argv,
    ]


@cache
def _prlimit() -> str:
    path = shutil.which("prlimit")
    if path is None:
        raise OSError("prlimit (util-linux) is not installed: student processes need its limits")
    return path


def spawn(
    argv: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    log_path: Path,
    limits: Limits,
    policy: Policy,
) -> subprocess.Popen:
    """Start a student process in its own session with its output appended to log_path."""
    with log_path.open("ab") as log:
        return subprocess.Popen(
            confined(limited(argv, limits), cwd, policy),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def run(
    argv: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    limits: Limits,
    policy: Policy,
    timeout_s: float,
    input_bytes: bytes | None = None,
) -> subprocess.CompletedProcess:
    """Run a student process to completion (a call into student code), group-killed after."""
    proc = subprocess.Popen(
        confined(limited(argv, limits), cwd, policy),
        cwd=cwd,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(input_bytes, timeout=timeout_s)
    finally:
        kill_group(proc)  # also sweeps anything the call forked and left behind
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)
