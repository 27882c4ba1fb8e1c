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


def signal_group(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def stop_group(proc: subprocess.Popen, grace_s: float = 3.0) -> int | None:
    """SIGTERM the group, SIGKILL it after grace_s; return the leader's exit code."""
    if proc.poll() is None:
        signal_group(proc, signal.SIGTERM)
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
