"""The lifecycle every piece of shared infrastructure follows (testcontainers-style).

A service is started, waited on with a bounded wait, asked for its connection
details, given a namespace per grading run, and stopped.  Kafka follows it today;
MLflow and the Kubernetes control plane follow the same shape, so providers and the
grading pipeline never special-case a service.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType


class InfrastructureError(Exception):
    """Infrastructure failed; never the student's fault, never scored as a zero."""


class InfraService(ABC):
    name: str

    @abstractmethod
    def start(self) -> None:
        """Launch the service; return without waiting for it to be ready."""

    @abstractmethod
    def wait_until_ready(self, timeout_s: float) -> None:
        """Block until the service answers; raise InfrastructureError after timeout_s."""

    @abstractmethod
    def connection(self) -> dict[str, str]:
        """Connection details for clients, as environment variables."""

    @abstractmethod
    def is_healthy(self) -> bool:
        """A cheap liveness probe, used to tell infrastructure failures from student ones."""

    @abstractmethod
    def stop(self) -> None:
        """Stop the service and remove everything it created; safe to call twice."""

    def namespace(self, run_id: str) -> dict[str, str]:
        """Environment variables that confine one grading run to its own namespace."""
        return {}

    def drop_namespace(self, run_id: str) -> None:  # noqa: B027 (optional hook)
        """Delete what one grading run created (topics, experiments, namespaces)."""

    def __enter__(self) -> InfraService:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
