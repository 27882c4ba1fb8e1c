"""The platform SDK (define features, train, register, deploy), with the gate as rules."""

from __future__ import annotations

import functools
import os
from typing import Any

from mlplat import config, offline, registry
from mlplat.spec import SpecError, validate_spec

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

MAE_CEILING = 3.0
TOLERANCE = 0.1
DEFAULT_PARAMS = {"alpha": 1.0}
PIP_REQUIREMENTS = ["scikit-learn", "numpy", "pandas"]

__all__ = ["PromotionRefused", "SpecError", "define_features", "promote", "train"]


class PromotionRefused(RuntimeError):
    """The gate said no; the alias was not touched."""


def define_features(spec: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return validate_spec(spec)


def offline_features(restaurant_id: str, times: list[float], feature_db: str | None = None):
    conn = offline.connect(feature_db)
    try:
        return offline.features_as_of(conn, restaurant_id, times)
    finally:
        conn.close()


@functools.cache
def _data(path: str):
    conn = offline.connect(path)
    try:
        return offline.training_frames(conn)
    finally:
        conn.close()


def _holdout_mae(estimator: Any, feature_db: str | None) -> float:
    from sklearn.metrics import mean_absolute_error

    _, _, x, y = _data(config.feature_db(feature_db))
    return float(mean_absolute_error(y, estimator.predict(x)))


def train(model: str = config.MODEL, params: dict | None = None, feature_db: str | None = None):
    import mlflow
    import mlflow.sklearn
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    chosen = {**DEFAULT_PARAMS, **(params or {})}
    x, y, _, _ = _data(config.feature_db(feature_db))
    estimator = Pipeline([("scale", StandardScaler()), ("ridge", Ridge(alpha=chosen["alpha"]))])
    estimator.fit(x, y)
    mae = _holdout_mae(estimator, feature_db)
    mlflow.set_tracking_uri(config.tracking_uri())
    experiment = mlflow.set_experiment(config.full_name(model))
    run = mlflow.start_run(experiment_id=experiment.experiment_id)
    try:
        mlflow.log_params(chosen)
        mlflow.log_metric("holdout_mae", mae)
        info = mlflow.sklearn.log_model(
            estimator,
            name="model",
            registered_model_name=config.full_name(model),
            pip_requirements=PIP_REQUIREMENTS,
        )
    finally:
        mlflow.end_run()
    return {
        "run_id": run.info.run_id,
        "model": model,
        "version": str(info.registered_model_version),
        "holdout_mae": mae,
    }


def _rules(candidate: float, champion: float | None) -> list[str]:
    broken = []
    if not candidate <= MAE_CEILING:
        broken.append(f"holdout MAE {candidate:.3f} is above the ceiling {MAE_CEILING}")
    if champion is not None and not candidate <= champion + TOLERANCE:
        broken.append(
            f"holdout MAE {candidate:.3f} is worse than the champion's {champion:.3f} "
            f"by more than {TOLERANCE}"
        )
    return broken


def promote(model: str, version: str | int, feature_db: str | None = None) -> dict[str, Any]:
    version = str(version)
    current = registry.champion_version(model)
    candidate = _holdout_mae(registry.load_model(model, version), feature_db)
    champion = None
    if current not in (None, version):
        champion = _holdout_mae(registry.load_model(model, current), feature_db)
    broken = _rules(candidate, champion)
    if broken:
        raise PromotionRefused(f"{model} version {version} not promoted: " + "; ".join(broken))
    registry.set_champion(model, version)
    return {"model": model, "version": version, "previous": current, "holdout_mae": candidate}
