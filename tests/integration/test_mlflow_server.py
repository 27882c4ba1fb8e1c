"""The embedded MLflow tracking server: a real registry with aliases and proxied
artifacts, per-run name namespaces, a migrated store reused, nothing left after stop."""

from __future__ import annotations

import time

import httpx
import psutil
import pytest

from grader.infra import mlflow as mlflow_service
from grader.infra.mlflow import ExternalMlflow, MlflowServer, delete_names_with_prefix
from grader.infra.ports import is_listening


@pytest.fixture(scope="module")
def cache_home(tmp_path_factory):
    """A fresh cache: the module's first server migrates a new store."""
    with pytest.MonkeyPatch.context() as patch:
        home = tmp_path_factory.mktemp("cache")
        patch.setenv("XDG_CACHE_HOME", str(home))
        yield home


@pytest.fixture(scope="module")
def server(cache_home):
    server = MlflowServer()
    server.start()
    try:
        server.wait_until_ready(timeout_s=90)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def client(server):
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=server.tracking_uri, registry_uri=server.tracking_uri)


def test_the_server_is_configured_as_mlflow_server_configures_its_workers():
    """We run the app under uvicorn with the variables `mlflow server` would set."""
    from mlflow.server import constants

    expected = {
        constants.BACKEND_STORE_URI_ENV_VAR,
        constants.ARTIFACT_ROOT_ENV_VAR,
        constants.SERVE_ARTIFACTS_ENV_VAR,
        constants.ARTIFACTS_DESTINATION_ENV_VAR,
    }
    assert set(mlflow_service.SERVER_ENV) == expected
    import mlflow

    assert mlflow.__version__ == mlflow_service.MLFLOW_VERSION


def test_connection_and_namespace(server):
    assert server.is_healthy()
    assert server.connection()["MLFLOW_TRACKING_URI"] == f"http://127.0.0.1:{server.port}"
    assert server.namespace("lgrun1") == {"MLFLOW_NAME_PREFIX": "lgrun1-"}


def test_registry_aliases_and_proxied_artifacts(server, client):
    """A model logged through the server loads back by alias; moving the alias moves it."""
    import mlflow
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    mlflow.set_tracking_uri(server.tracking_uri)
    experiment = client.create_experiment("lgalias-exp")
    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    for labels in ([0, 0, 1, 1], [1, 1, 0, 0]):
        with mlflow.start_run(experiment_id=experiment):
            mlflow.sklearn.log_model(
                LogisticRegression().fit(x, labels),
                name="model",
                registered_model_name="lgalias-model",
                pip_requirements=["scikit-learn"],
            )
    for version, expected in (("1", [0, 1]), ("2", [1, 0]), ("1", [0, 1])):
        client.set_registered_model_alias("lgalias-model", "champion", version)
        assert client.get_model_version_by_alias("lgalias-model", "champion").version == version
        model = mlflow.pyfunc.load_model("models:/lgalias-model@champion")
        assert list(model.predict(np.array([[0.0], [3.0]]))) == expected
    stored = list((server.data_dir / "artifacts").rglob("MLmodel"))
    assert len(stored) == 2, "artifacts must be stored by the server, in its own folder"


def test_drop_namespace_removes_only_that_runs_names(server, client):
    for prefix in ("lgmine-", "lgother-"):
        client.create_experiment(f"{prefix}exp")
        client.create_registered_model(f"{prefix}model")
    server.drop_namespace("lgmine")
    assert client.get_experiment_by_name("lgmine-exp").lifecycle_stage == "deleted"
    assert client.get_experiment_by_name("lgother-exp").lifecycle_stage == "active"
    names = {m.name for m in client.search_registered_models()}
    assert "lgmine-model" not in names and "lgother-model" in names
    assert delete_names_with_prefix(server.tracking_uri, "lgmine-") == []


def test_an_external_server_is_reached_not_owned(server):
    external = ExternalMlflow(server.tracking_uri + "/")
    external.wait_until_ready(timeout_s=5)
    assert external.is_healthy()
    assert external.connection() == server.connection()
    external.stop()
    assert server.is_healthy(), "stopping an external server's handle must not stop it"


def test_a_second_server_copies_the_migrated_store_and_stop_leaves_nothing(server, cache_home):
    template = mlflow_service.migrated_store_template()
    assert template.is_file() and template.is_relative_to(cache_home)
    second = MlflowServer()
    second.start()
    try:
        second.wait_until_ready(timeout_s=90)
        assert second._store_was_copied
        answer = httpx.post(
            f"{second.tracking_uri}/api/2.0/mlflow/experiments/create", json={"name": "lgcopy"}
        )
        assert answer.status_code == 200, answer.text
        group = psutil.Process(second.pid)
        members = [group, *group.children(recursive=True)]
    finally:
        second.stop()
    deadline = time.monotonic() + 5
    while any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in members):
        assert time.monotonic() < deadline, "the server's processes outlived stop()"
        time.sleep(0.1)
    assert not is_listening(second.port)
    assert not second.data_dir.exists()
    assert server.is_healthy()
