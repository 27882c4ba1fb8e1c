"""Crash injection used by the grader.  Part of the lab contract: do not remove it.

The projector calls `crash_point()` right after it has written one event into the
projection.  When the environment variable CRASH_AFTER_APPLIES=N is set, the Nth
call kills the process with SIGKILL: no `finally`, no atexit, no consumer close,
no offset commit, exactly like a power cut or the OOM killer.  A correct
projector restarts from such a crash without losing or double-applying events.
"""

from __future__ import annotations

import os
import signal

_calls = 0


def crash_point() -> None:
    """Count one applied event; die hard on the Nth one if asked to."""
    global _calls
    _calls += 1
    limit = os.environ.get("CRASH_AFTER_APPLIES")
    if limit and _calls == int(limit):
        os.kill(os.getpid(), signal.SIGKILL)
