"""Loading registered model versions and turning an applicant into a decision."""

from __future__ import annotations

import functools
import os
import threading

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

import mlflow.sklearn
import pandas as pd
from mlflow import MlflowClient

from repro import config

CHAMPION = "champion"
_load_lock = threading.Lock()


def client() -> MlflowClient:
    return MlflowClient(config.tracking_uri(), registry_uri=config.tracking_uri())


def champion() -> tuple[str, str, str]:
    """(model name, version, run id) of the version the @champion alias points at."""
    name = config.model_name()
    version = client().get_model_version_by_alias(name, CHAMPION)
    return name, str(version.version), version.run_id


@functools.lru_cache(maxsize=16)
def _load(name: str, version: str):
    mlflow.set_tracking_uri(config.tracking_uri())
    return mlflow.sklearn.load_model(f"models:/{name}/{version}")


def load(name: str, version: str):
    """The fitted model of one registered version (a version never changes: cached)."""
    with _load_lock:
        return _load(name, str(version))


def predict(model, applicant: dict) -> dict:
    """The output of one prediction: probability of default and the decision."""
    frame = pd.DataFrame([{field: applicant[field] for field in config.FEATURES}])
    probability = float(model.predict_proba(frame)[0, 1])
    return {
        "probability": probability,
        "decision": "refuse" if probability >= config.THRESHOLD else "approve",
    }
