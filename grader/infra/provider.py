"""Choosing infrastructure for a run: `local` (embedded default) or `external`.

The `local` provider reuses a running `labgrade infra up` session for the student's
`check` (fast feedback while they work); `grade` always starts fresh infrastructure
so an instructor's result never depends on what a session left behind.

The `external` provider attaches to services somebody else runs (an instructor's
kind or cloud cluster, a shared broker or tracking server), named by environment
variables; each run still gets its own namespace on them and removes it afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from grader.infra import session
from grader.infra.kafka import ExternalKafka
from grader.infra.kubernetes import ExternalKubernetes
from grader.infra.local import Infrastructure, provision, stop_services
from grader.infra.mlflow import ExternalMlflow
from grader.infra.service import InfraService, InfrastructureError

PROVIDERS = ("local", "external")
EXTERNAL_ENV = {
    "kafka": ("LABGRADE_KAFKA_BOOTSTRAP", ExternalKafka),
    "mlflow": ("LABGRADE_MLFLOW_TRACKING_URI", ExternalMlflow),
    "kubernetes": ("LABGRADE_KUBECONFIG", ExternalKubernetes),
}
"""For each service, the variable that names it and the class that attaches to it."""

EXTERNAL_READY_TIMEOUT_S = 20


@contextmanager
def open_infrastructure(provider: str, needs: list[str], mode: str) -> Iterator[Infrastructure]:
    if provider not in PROVIDERS:
        raise InfrastructureError(
            f"unknown provider '{provider}' (available: {', '.join(PROVIDERS)})"
        )
    if provider == "external":
        yield Infrastructure(attach_external(needs))
        return
    running = session.current() if mode == "check" else None
    attached = running.attach(needs) if running is not None else None
    if attached is not None:
        yield Infrastructure(attached)
        return
    with provision(needs) as infra:
        yield infra


def attach_external(needs: list[str]) -> dict[str, InfraService]:
    """The services named by LABGRADE_* variables, checked to answer before a run."""
    missing = [EXTERNAL_ENV[n][0] for n in needs if not os.environ.get(EXTERNAL_ENV[n][0])]
    if missing:
        raise InfrastructureError(
            f"the external provider needs {', '.join(missing)} (this lab uses {', '.join(needs)})"
        )
    attached: dict[str, InfraService] = {}
    try:
        for name in needs:
            variable, attach = EXTERNAL_ENV[name]
            attached[name] = attach(os.environ[variable])
            attached[name].start()
            attached[name].wait_until_ready(EXTERNAL_READY_TIMEOUT_S)
    except InfrastructureError:
        stop_services(attached)
        raise
    return attached
