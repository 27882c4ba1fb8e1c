"""The training pipeline: data -> model -> MLflow run -> registered model version.

Run it by hand with `python -m repro.pipeline --seed 7 [--promote]`; the trainer
service (repro.trainer) calls train() for POST /train.
"""

from __future__ import annotations

import argparse
import json
import os
import threading

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

import mlflow
from mlflow import MlflowClient
from repro import __version__, config
from repro.data import load_training_frame
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

PIP_REQUIREMENTS = ["scikit-learn", "pandas", "numpy"]
"""Given explicitly: inferring them costs MLflow 10-15 s per model."""
DATA_VERSION = "2026-03"
"""The month of the applicants export the data team handed over."""

_lock = threading.Lock()


def build_model(seed: int) -> Pipeline:
    encode = ColumnTransformer(
        [("region", OneHotEncoder(categories=[list(config.REGIONS)]), ["region"])],
        remainder="passthrough",
    )
    forest = RandomForestClassifier(
        n_estimators=60, max_depth=8, min_samples_leaf=5, n_jobs=1, random_state=seed
    )
    return Pipeline([("encode", encode), ("forest", forest)])


def train(seed: int = config.DEFAULT_SEED, promote: bool = False) -> dict:
    """Train, log and register one model version; returns its name, version and run id."""
    with _lock:
        return _train(int(seed), bool(promote))


def _train(seed: int, promote: bool) -> dict:
    mlflow.set_tracking_uri(config.tracking_uri())
    mlflow.set_experiment(config.experiment_name())
    frame = load_training_frame()
    shuffled = frame.sample(frac=1.0, random_state=seed)
    cut = int(len(shuffled) * 0.8)
    train_set, test_set = shuffled.iloc[:cut], shuffled.iloc[cut:]
    model = build_model(seed).fit(train_set[config.FEATURES], train_set[config.LABEL])
    auc = roc_auc_score(
        test_set[config.LABEL], model.predict_proba(test_set[config.FEATURES])[:, 1]
    )
    with mlflow.start_run(tags={"code_version": __version__}) as run:
        mlflow.log_params({"seed": seed, "test_size": 0.2, "model": "random-forest"})
        mlflow.log_params({"data_path": "data/applicants.csv", "data_version": DATA_VERSION})
        mlflow.log_metric("test_auc", float(auc))
        info = mlflow.sklearn.log_model(
            model,
            name="model",
            # pickle: model.pkl's bytes depend on the fitted model only (the default,
            # skops, writes a zip archive that stamps the time into every entry).
            serialization_format="pickle",
            pip_requirements=PIP_REQUIREMENTS,
            registered_model_name=config.model_name(),
        )
    version = str(info.registered_model_version)
    if promote:
        client = MlflowClient(config.tracking_uri())
        client.set_registered_model_alias(config.model_name(), "champion", version)
    return {"model_name": config.model_name(), "model_version": version, "run_id": run.info.run_id}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=config.DEFAULT_SEED)
    parser.add_argument("--promote", action="store_true", help="make it the @champion")
    args = parser.parse_args()
    print(json.dumps(train(args.seed, args.promote)))


if __name__ == "__main__":
    main()
