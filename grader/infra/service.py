"""The lifecycle every piece of shared infrastructure follows (testcontainers-style).

A service is started, waited on with a bounded wait, asked for its connection
details, given a namespace per grading run, and stopped.  Kafka follows it today;
MLflow and the Kubernetes control plane follow the same shape, so providers and the
grading pipeline never special-case a service.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path
from types import TracebackType

from grader.infra.ports import free_port
from grader.infra.processes import stop_group


class InfrastructureError(Exception):
    """Infrastructure failed; never the student's fault, never scored as a zero."""


class InfrastructureMissing(InfrastructureError):
    """Something the infrastructure needs is not installed on this machine: retrying
    cannot help, so a run stops at once and says what to do (`fix`, a whole command)."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


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

    def client_files(self) -> tuple[str, ...]:
        """Files a sandboxed client must be able to read to connect (credentials)."""
        return ()

    def pids(self) -> list[int]:
        """The local process trees this service's resources are accounted to (none for a
        service somebody else runs)."""
        return []

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


class LocalProcessService(InfraService):
    """A service that is one process group on this machine, owned from start to stop.

    It gets a free loopback port, a data folder of its own (removed on stop unless
    one was given) and a log there, whose tail explains a start-up that failed.
    """

    def __init__(self, port: int | None, data_dir: Path | None) -> None:
        self.port = port or free_port()
        self._owns_data_dir = data_dir is None
        self.data_dir = data_dir or Path(tempfile.mkdtemp(prefix=f"labgrade-{self.name}-"))
        self.log_path = self.data_dir / f"{self.name}.log"
        self._proc: subprocess.Popen | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def pids(self) -> list[int]:
        return [self.pid] if self.pid is not None else []

    def _launch(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env=env,
                cwd=self.data_dir,
            )

    def _running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _not_ready(self, where: str, timeout_s: float) -> InfrastructureError:
        tail = self.log_path.read_text(errors="replace")[-600:] if self.log_path.exists() else ""
        code = self._proc.poll() if self._proc else None
        state = f"exited with code {code}" if code is not None else "still running"
        return InfrastructureError(
            f"{self.name} not ready at {where} within {timeout_s:.0f} s ({state}): {tail}"
        )

    def stop(self) -> None:
        if self._proc is not None:
            stop_group(self._proc)
            self._proc = None
        if self._owns_data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
