"""Runs that share one machine take turns, so that a load figure measures one student.

A load phase measures latency and throughput on the machine's cores; anything else
busy on them (another run's checks, its services starting, its notebook) would be
measured too.  So ordinary phases of different runs may overlap freely, but a load
phase runs alone: it waits until the phases already running have finished, and
while it waits or runs no ordinary phase may start (a waiting load is served
before new ordinary phases, so it cannot starve).  What a run leaves idle between
its phases (services waiting for the next test) stays up; it is idle.

Every wait gives up with `Interrupted` when the batch is asked to stop.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from grader import interrupt


class MachineTurns:
    """A reader-writer lock over the machine: `shared()` phases, `exclusive()` loads."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._shared = 0
        self._exclusive = False
        self._waiting_for_exclusive = 0

    def _wait(self) -> None:
        self._changed.wait(interrupt.POLL_S)
        interrupt.check()

    @contextmanager
    def shared(self) -> Iterator[None]:
        """A phase that may run beside other runs' phases, but never beside a load."""
        with self._changed:
            while self._exclusive or self._waiting_for_exclusive:
                self._wait()
            self._shared += 1
        try:
            yield
        finally:
            with self._changed:
                self._shared -= 1
                self._changed.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """A phase that runs alone: a load measurement."""
        with self._changed:
            self._waiting_for_exclusive += 1
            try:
                while self._exclusive or self._shared:
                    self._wait()
            finally:
                self._waiting_for_exclusive -= 1
            self._exclusive = True
        try:
            yield
        finally:
            with self._changed:
                self._exclusive = False
                self._changed.notify_all()
