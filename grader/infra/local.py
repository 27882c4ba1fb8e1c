"""The `local` provider: every infrastructure service as a process on this machine.

It is the embedded default (no Docker needed).  A provider turns a lab's `infra`
list into running services and hands out per-run namespaces on them; the grading
pipeline never knows which provider it talks to.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from grader.infra.kafka import KafkaBroker
from grader.infra.kubernetes import KubernetesControlPlane
from grader.infra.mlflow import MlflowServer
from grader.infra.service import InfraService, InfrastructureError

SERVICE_FACTORIES: dict[str, type[InfraService]] = {
    "kafka": KafkaBroker,
    "mlflow": MlflowServer,
    "kubernetes": KubernetesControlPlane,
}
READY_TIMEOUT_S = 60


class Infrastructure:
    """A set of running services, and the environment a run needs to reach them."""

    def __init__(self, services: dict[str, InfraService]) -> None:
        self.services = services

    def environment(self, run_id: str) -> dict[str, str]:
        env: dict[str, str] = {}
        for service in self.services.values():
            env |= service.connection() | service.namespace(run_id)
        return env

    def client_files(self) -> tuple[str, ...]:
        return tuple(path for service in self.services.values() for path in service.client_files())

    def unhealthy(self) -> list[str]:
        return [name for name, s in self.services.items() if not s.is_healthy()]

    def drop_namespace(self, run_id: str) -> None:
        for service in self.services.values():
            service.drop_namespace(run_id)


def start_services(names: list[str]) -> dict[str, InfraService]:
    """Start each named service and wait for all; on any failure stop what started."""
    unknown = [n for n in names if n not in SERVICE_FACTORIES]
    if unknown:
        raise InfrastructureError(
            f"the local provider cannot run {', '.join(unknown)} yet "
            f"(available: {', '.join(SERVICE_FACTORIES)})"
        )
    started: dict[str, InfraService] = {}
    try:
        for name in names:
            started[name] = SERVICE_FACTORIES[name]()
            started[name].start()
        deadline = time.monotonic() + READY_TIMEOUT_S
        for service in started.values():
            service.wait_until_ready(max(1.0, deadline - time.monotonic()))
    except InfrastructureError:
        stop_services(started)
        raise
    except OSError as exc:  # a program that cannot be run here; anything else is a bug
        stop_services(started)
        raise InfrastructureError(f"could not start {', '.join(names)}: {exc}") from exc
    except BaseException:
        stop_services(started)
        raise
    return started


def stop_services(services: dict[str, InfraService]) -> None:
    for service in reversed(list(services.values())):
        service.stop()


@contextmanager
def provision(names: list[str]) -> Iterator[Infrastructure]:
    services = start_services(names)
    try:
        yield Infrastructure(services)
    finally:
        stop_services(services)
