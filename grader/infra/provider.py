"""Choosing infrastructure for a run: `local` (embedded default) today.

The `local` provider reuses a running `labgrade infra up` session for the student's
`check` (fast feedback while they work); `grade` always starts fresh infrastructure
so an instructor's result never depends on what a session left behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from grader.infra import session
from grader.infra.local import Infrastructure, provision
from grader.infra.service import InfrastructureError

PROVIDERS = ("local",)


@contextmanager
def open_infrastructure(provider: str, needs: list[str], mode: str) -> Iterator[Infrastructure]:
    if provider not in PROVIDERS:
        raise InfrastructureError(
            f"unknown provider '{provider}' (available: {', '.join(PROVIDERS)})"
        )
    running = session.current() if mode == "check" else None
    attached = running.attach(needs) if running is not None else None
    if attached is not None:
        yield Infrastructure(attached)
        return
    with provision(needs) as infra:
        yield infra
