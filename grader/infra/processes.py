"""Process-group handling shared by infrastructure services and student services.

Everything the grader starts gets its own session (and so its own process group),
so that stopping it also stops whatever it forked: a wrapper script that does not
pass signals on must not leave its child running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess

import psutil

SANDBOX_PROCESS_NAMES = frozenset({"bwrap"})


def signal_group(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def _group_members(pgid: int) -> list[psutil.Process]:
    members = []
    for candidate in psutil.process_iter(["name"]):
        with contextlib.suppress(ProcessLookupError, PermissionError, psutil.Error):
            if os.getpgid(candidate.pid) == pgid:
                members.append(candidate)
    return members


def terminate_group(proc: subprocess.Popen) -> None:
    """SIGTERM the group's programs, but not a sandbox wrapped around them.

    bubblewrap dies at once on SIGTERM, and with it the PID namespace's init, upon
    which the kernel SIGKILLs everything inside: the program would never run its
    shutdown (a consumer's final offset commit, say). Signalled alone, the program
    exits cleanly and the sandbox follows it.
    """
    try:
        sandboxed = psutil.Process(proc.pid).name() in SANDBOX_PROCESS_NAMES
    except psutil.Error:
        sandboxed = False
    if not sandboxed:  # the common case: no need to look through every process
        signal_group(proc, signal.SIGTERM)
        return
    members = _group_members(proc.pid)
    programs = [m for m in members if m.info["name"] not in SANDBOX_PROCESS_NAMES]
    if not programs:
        signal_group(proc, signal.SIGTERM)
        return
    for program in programs:
        with contextlib.suppress(psutil.Error):
            program.send_signal(signal.SIGTERM)


def stop_group(proc: subprocess.Popen, grace_s: float = 3.0) -> int | None:
    """SIGTERM the group, SIGKILL it after grace_s; return the leader's exit code."""
    if proc.poll() is None:
        terminate_group(proc)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace_s)
    # The leader may be gone while children it forked are still alive: always sweep.
    signal_group(proc, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace_s)
    return proc.returncode


def kill_group(proc: subprocess.Popen) -> int | None:
    signal_group(proc, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)
    return proc.returncode


def kill_tree(proc: subprocess.Popen) -> int | None:
    """SIGKILL the process, its group and every descendant, even those in sessions of
    their own (a Jupyter kernel is started in one)."""
    with contextlib.suppress(psutil.Error):
        for child in psutil.Process(proc.pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                child.kill()
    return kill_group(proc)


def kill_processes_mentioning(argument: str) -> int:
    """SIGKILL every process with `argument` on its command line; how many there were.

    For what escapes group and tree: a sandbox whose outer bwrap was killed alone
    leaves its PID namespace's init, and the program in it, orphaned elsewhere.
    """
    found = 0
    for candidate in psutil.process_iter(["cmdline"]):
        if argument in (candidate.info["cmdline"] or []):
            with contextlib.suppress(psutil.Error):
                candidate.kill()
                found += 1
    return found
