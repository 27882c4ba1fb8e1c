"""MLflow, embedded: a real tracking server and model registry (SQLite, proxied artifacts).

Start-up is the cost to fight (DESIGN.md measured 32-37 s with defaults).  Three
choices bring it to about 8 s on two cores:

* The server's app runs under uvicorn directly, configured by the environment that
  `mlflow server` itself hands its workers.  The `mlflow server` command first builds
  the stores in its own process and only then starts uvicorn, which imports the same
  modules again: half the start-up for nothing.  The variable names are those of the
  pinned MLflow (a test checks them against `mlflow.server.constants`).
* Job execution (a second worker pool) is off, and telemetry is off.
* A store that has been migrated once per machine is copied instead of migrated again.

Each grading run gets a name prefix for its experiments and registered models, so one
server (for example an `infra up` session) can serve many runs.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from grader import interrupt
from grader.cache import cache_root
from grader.infra.ports import wait_for_port
from grader.infra.service import InfraService, InfrastructureError, LocalProcessService

MLFLOW_VERSION = "3.17.2"
"""The pinned MLflow; a migrated store is kept per version."""

SERVER_ENV = {
    "_MLFLOW_SERVER_FILE_STORE": "backend store URI",
    "_MLFLOW_SERVER_ARTIFACT_ROOT": "default artifact root",
    "_MLFLOW_SERVER_SERVE_ARTIFACTS": "serve artifacts through the server",
    "_MLFLOW_SERVER_ARTIFACT_DESTINATION": "where served artifacts are stored",
}
"""What `mlflow server` passes its uvicorn workers (mlflow.server.constants)."""

CLIENT_ENV = {"MLFLOW_DISABLE_TELEMETRY": "true"}
QUIET_SERVER_ENV = CLIENT_ENV | {
    "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
    "_MLFLOW_SGI_NAME": "uvicorn",
}


def name_prefix(run_id: str) -> str:
    return f"{run_id}-"


def migrated_store_template() -> Path:
    return cache_root() / "mlflow" / MLFLOW_VERSION / "store.db"


class _TrackingServer(InfraService):
    """What every tracking server offers a run: its URI and a name prefix of its own."""

    name = "mlflow"
    tracking_uri: str

    def connection(self) -> dict[str, str]:
        return {"MLFLOW_TRACKING_URI": self.tracking_uri} | CLIENT_ENV

    def namespace(self, run_id: str) -> dict[str, str]:
        return {"MLFLOW_NAME_PREFIX": name_prefix(run_id)}

    def drop_namespace(self, run_id: str) -> None:
        delete_names_with_prefix(self.tracking_uri, name_prefix(run_id))


class MlflowServer(_TrackingServer, LocalProcessService):
    """A tracking server owned by this object: started on start(), gone after stop()."""

    def __init__(
        self,
        port: int | None = None,
        data_dir: Path | None = None,
        store_template: Path | None = None,
    ) -> None:
        super().__init__(port, data_dir)
        self.store_template = store_template or migrated_store_template()
        self.store_path = self.data_dir / "store.db"
        self._store_was_copied = False

    @property
    def tracking_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        if self.store_template.is_file():
            shutil.copyfile(self.store_template, self.store_path)
            self._store_was_copied = True
        env = dict(QUIET_SERVER_ENV)
        env |= {
            "_MLFLOW_SERVER_FILE_STORE": f"sqlite:///{self.store_path}",
            "_MLFLOW_SERVER_ARTIFACT_ROOT": "mlflow-artifacts:/",
            "_MLFLOW_SERVER_SERVE_ARTIFACTS": "true",
            "_MLFLOW_SERVER_ARTIFACT_DESTINATION": str(self.data_dir / "artifacts"),
        }
        argv = [sys.executable, "-m", "uvicorn", "mlflow.server.fastapi_app:app"]
        argv += ["--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"]
        argv += ["--no-access-log", "--log-level", "warning"]
        self._launch(argv, _server_environment(env))

    def wait_until_ready(self, timeout_s: float = 60) -> None:
        """Ready means the store answers (migrated), not only that /health does."""
        deadline = time.monotonic() + timeout_s
        if not wait_for_port(self.port, timeout_s):
            raise self._not_ready(self.tracking_uri, timeout_s)
        while True:
            try:
                answer = httpx.get(
                    f"{self.tracking_uri}/api/2.0/mlflow/experiments/get-by-name",
                    params={"experiment_name": "Default"},
                    timeout=max(1.0, deadline - time.monotonic()),
                )
                if answer.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise self._not_ready(self.tracking_uri, timeout_s)
            interrupt.sleep(0.1)
        if not self._store_was_copied:
            _keep_as_template(self.store_path, self.store_template)

    def is_healthy(self) -> bool:
        return self._running() and _answers(self.tracking_uri)


class ExternalMlflow(_TrackingServer):
    """A tracking server somebody else runs; only the run's own names are ever touched."""

    def __init__(self, tracking_uri: str) -> None:
        self.tracking_uri = tracking_uri.rstrip("/")

    def start(self) -> None:
        pass

    def wait_until_ready(self, timeout_s: float = 10) -> None:
        deadline = time.monotonic() + timeout_s
        while not _answers(self.tracking_uri):
            if time.monotonic() > deadline:
                raise InfrastructureError(f"mlflow at {self.tracking_uri} is not answering")
            interrupt.sleep(0.2)

    def is_healthy(self) -> bool:
        return _answers(self.tracking_uri)

    def stop(self) -> None:
        pass


def delete_names_with_prefix(tracking_uri: str, prefix: str) -> list[str]:
    """Remove one run's registered models and experiments; returns the names removed.

    Registered models are deleted outright; experiments are deleted the MLflow way
    (marked deleted, their runs hidden), which frees nothing on disk but keeps a
    shared server's listings to the runs still going.
    """
    api = f"{tracking_uri}/api/2.0/mlflow"
    pattern = f"name LIKE '{prefix}%'"
    removed: list[str] = []
    with httpx.Client(timeout=10) as client:
        models = client.get(
            f"{api}/registered-models/search", params={"filter": pattern, "max_results": 1000}
        )
        models.raise_for_status()
        for model in models.json().get("registered_models", []):
            client.request(
                "DELETE", f"{api}/registered-models/delete", json={"name": model["name"]}
            ).raise_for_status()
            removed.append(model["name"])
        experiments = client.post(
            f"{api}/experiments/search", json={"filter": pattern, "max_results": 1000}
        )
        experiments.raise_for_status()
        for experiment in experiments.json().get("experiments", []):
            client.post(
                f"{api}/experiments/delete", json={"experiment_id": experiment["experiment_id"]}
            ).raise_for_status()
            removed.append(experiment["name"])
    return removed


def _answers(tracking_uri: str) -> bool:
    parts = urlsplit(tracking_uri)
    if not wait_for_port(parts.port or 80, 1, parts.hostname or "127.0.0.1"):
        return False
    try:
        return httpx.get(f"{tracking_uri}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _server_environment(extra: dict[str, str]) -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "TZ", "HOME", "XDG_CACHE_HOME")
    return {k: os.environ[k] for k in keep if k in os.environ} | extra


def _keep_as_template(store: Path, template: Path) -> None:
    """Save a just-migrated store (SQLite's online backup: consistent while in use)."""
    template.parent.mkdir(parents=True, exist_ok=True)
    partial = template.with_suffix(f".{time.monotonic_ns()}.partial")
    try:
        with sqlite3.connect(store) as source, sqlite3.connect(partial) as copy:
            source.backup(copy)
        partial.replace(template)
    except sqlite3.Error:
        partial.unlink(missing_ok=True)
