"""The MLflow model registry, as the platform uses it: versions, the `@champion` alias, loading."""

from __future__ import annotations

import functools
import os
import threading
from typing import Any

from mlplat import config

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

_loaded: dict[tuple[str, str], Any] = {}
_load_lock = threading.Lock()


@functools.cache
def client():  # -> mlflow.MlflowClient (imported lazily: `import mlflow` costs seconds)
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=config.tracking_uri(), registry_uri=config.tracking_uri())


def champion_version(model: str = config.MODEL) -> str | None:
    """The version `@champion` points at, or None when the alias (or the model) does not exist."""
    from mlflow.exceptions import MlflowException

    try:
        return client().get_model_version_by_alias(config.full_name(model), config.CHAMPION).version
    except MlflowException:
        return None


def set_champion(model: str, version: str) -> None:
    client().set_registered_model_alias(config.full_name(model), config.CHAMPION, str(version))


def load_model(model: str, version: str) -> Any:
    """The fitted scikit-learn model of one version (cached: a version never changes)."""
    key = (model, str(version))
    with _load_lock:
        if key not in _loaded:
            import mlflow.sklearn

            mlflow.set_tracking_uri(config.tracking_uri())
            _loaded[key] = mlflow.sklearn.load_model(f"models:/{config.full_name(model)}/{version}")
        return _loaded[key]
