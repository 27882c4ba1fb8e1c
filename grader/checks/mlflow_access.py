"""The `mlflow` fixture: the run's tracking server, confined to the run's name prefix.

Tests name experiments and registered models as the lab does ("fraud-model"); the
prefix that keeps runs apart on a shared server is added here.  The MLflow client is
imported on first use: `import mlflow` costs seconds, and most labs never need it.
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlflow import MlflowClient


class MlflowAccess:
    def __init__(self, tracking_uri: str, prefix: str) -> None:
        self.tracking_uri = tracking_uri
        self.prefix = prefix

    def name(self, name: str) -> str:
        """The run's full name for an experiment or registered model."""
        return self.prefix + name

    @functools.cached_property
    def client(self) -> MlflowClient:
        os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
        from mlflow import MlflowClient

        return MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri)

    def champion_version(self, model: str, alias: str = "champion") -> str:
        return self.client.get_model_version_by_alias(self.name(model), alias).version

    def set_alias(self, model: str, version: str | int, alias: str = "champion") -> None:
        self.client.set_registered_model_alias(self.name(model), alias, str(version))
