"""The platform SDK: what a model team calls to define features, train, register and deploy.

    define_features(spec)               validate a declarative feature spec (SpecError if not)
    offline_features(restaurant, times) the offline path: features as of past moments
    train(model, params)                fit on point-in-time training data, log the run to
                                        MLflow, register a new version of the model
    evaluate(model, version)            the version's MAE on the fixed holdout
    promote(model, version)             deploy: move `@champion` to the version, if it
                                        passes the validation gate (PromotionRefused if not)

Every function takes and returns plain data (JSON-able), so it can be called from a
notebook, a CI job or another process.  `model` is the name without the run's prefix.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from typing import Any

from mlplat import config, offline, registry
from mlplat.spec import ETA_FEATURES, SpecError, validate_spec

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
log = logging.getLogger("mlplat.sdk")

MAE_CEILING = 3.0
"""Absolute quality floor: no version with a holdout MAE above this (minutes) is deployed."""
TOLERANCE = 0.1
"""A candidate may be at most this much (minutes of MAE) worse than the current champion."""
DEFAULT_PARAMS = {"alpha": 1.0}
PIP_REQUIREMENTS = ["scikit-learn", "numpy", "pandas"]

__all__ = ["PromotionRefused", "SpecError", "define_features", "promote", "train"]


class PromotionRefused(Exception):
    """The validation gate refused a promotion; `@champion` did not move."""


def define_features(spec: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return validate_spec(spec)


def spec_hash(spec: list[dict[str, Any]] | None = None) -> str:
    normalised = validate_spec(spec or ETA_FEATURES)
    return hashlib.sha256(json.dumps(normalised, sort_keys=True).encode()).hexdigest()[:16]


def offline_features(
    restaurant_id: str, times: list[float], feature_db: str | None = None
) -> list[dict[str, float]]:
    conn = offline.connect(feature_db)
    try:
        return offline.features_as_of(conn, restaurant_id, times)
    finally:
        conn.close()


_holdout_cache: dict[str, Any] = {}


def _frames(feature_db: str | None):
    path = config.feature_db(feature_db)
    if path not in _holdout_cache:
        conn = offline.connect(path)
        try:
            _holdout_cache[path] = offline.training_frames(conn)
        finally:
            conn.close()
    return _holdout_cache[path]


def _mae(model: Any, x, y) -> float:
    return float(abs(model.predict(x) - y.to_numpy()).mean())


def train(
    model: str = config.MODEL, params: dict[str, Any] | None = None, feature_db: str | None = None
) -> dict[str, Any]:
    """Train, log and register a new version.  Returns run_id, version and holdout_mae."""
    import mlflow
    import mlflow.sklearn
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    params = DEFAULT_PARAMS | (params or {})
    x_train, y_train, x_hold, y_hold = _frames(feature_db)
    mlflow.set_tracking_uri(config.tracking_uri())
    mlflow.set_experiment(config.full_name(model))
    with mlflow.start_run() as run:
        estimator = make_pipeline(StandardScaler(), Ridge(alpha=float(params["alpha"])))
        estimator.fit(x_train, y_train)
        mae = _mae(estimator, x_hold, y_hold)
        mlflow.log_params(params)
        mlflow.set_tags({"feature_spec": spec_hash(), "features": ",".join(x_train.columns)})
        info = mlflow.sklearn.log_model(
            estimator,
            name="model",
            registered_model_name=config.full_name(model),
            pip_requirements=PIP_REQUIREMENTS,
        )
    log.info("trained %s (run %s): holdout MAE %.3f", model, run.info.run_id, mae)
    return {"model": model, "version": str(info.registered_model_version)}


def evaluate(model: str, version: str | int, feature_db: str | None = None) -> float:
    _, _, x_hold, y_hold = _frames(feature_db)
    return _mae(registry.load_model(model, str(version)), x_hold, y_hold)


def promote(model: str, version: str | int, feature_db: str | None = None) -> dict[str, Any]:
    """Deploy: move `@champion` to `version`."""
    version = str(version)
    previous = registry.champion_version(model)
    registry.set_champion(model, version)
    return {"model": model, "version": version, "previous": previous}
