"""Stopping a run on SIGINT or SIGTERM the same clean way.

Ctrl-C, a cancelled CI job, an instructor's `kill` and a pod being stopped all mean
"stop now, and leave nothing behind".  The signal handler only raises a flag; the
grader looks at it where it waits (for a process, a readiness probe, a load turn),
and raises `Interrupted` there.  So the stop always lands at a point where every
process and folder started so far is owned by an `ExitStack` that unwinds it, never
between a fork and the line that would have recorded the child, and it reaches the
threads of a batch as well as the main one.  A second signal while unwinding is
noted and otherwise ignored, so that clean-up finishes.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
POLL_S = 0.2

_requested = threading.Event()
_signal_number: list[int] = []


class Interrupted(KeyboardInterrupt):
    """The run was asked to stop by a signal; raised at one of the grader's waits."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.result: object | None = None
        """The interrupted run's result, once the grading has published it."""

    @property
    def signal_name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        """What a shell reports for a program ended by this signal: 128 + N."""
        return 128 + self.signum


def _on_signal(signum: int, _frame: object) -> None:
    if _requested.is_set():
        print(
            f"labgrade: {signal.Signals(signum).name} again: still cleaning up",
            file=sys.stderr,
            flush=True,
        )
        return
    _signal_number.append(signum)
    _requested.set()
    print(
        f"labgrade: {signal.Signals(signum).name}: stopping, cleaning up...",
        file=sys.stderr,
        flush=True,
    )


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """While inside, SIGINT and SIGTERM ask the run to stop (main thread only)."""
    previous = {sig: signal.signal(sig, _on_signal) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _requested.clear()
        _signal_number.clear()


def requested() -> Interrupted | None:
    """The stop that was asked for, if any (without raising it)."""
    if not _requested.is_set():
        return None
    return Interrupted(_signal_number[0] if _signal_number else signal.SIGINT)


def check() -> None:
    """Raise `Interrupted` when a stop was asked for."""
    stop = requested()
    if stop is not None:
        raise stop


def sleep(seconds: float) -> None:
    """time.sleep that ends early, with `Interrupted`, when a stop is asked for."""
    if _requested.wait(max(0.0, seconds)):
        check()


def wait_process(proc: subprocess.Popen, timeout_s: float) -> bool:
    """Wait for a process to exit: True if it did, False after `timeout_s`; raises
    `Interrupted` (leaving the process to its owner's clean-up) when a stop is asked for."""
    deadline = time.monotonic() + timeout_s
    while True:
        check()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return proc.poll() is not None
        try:
            proc.wait(timeout=min(POLL_S, remaining))
            return True
        except subprocess.TimeoutExpired:
            continue


def acquire(lock: threading.Lock) -> None:
    """lock.acquire(), giving up with `Interrupted` when a stop is asked for."""
    while not lock.acquire(timeout=POLL_S):
        check()
