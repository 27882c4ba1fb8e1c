"""Training: one seed drives every random draw; the run records what it was made from."""

from __future__ import annotations

import argparse
import json
import os
import threading

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

import mlflow
import numpy as np
from mlflow import MlflowClient
from repro import config, provenance
from repro.data import load_training_frame
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

PIP_REQUIREMENTS = ["scikit-learn", "pandas", "numpy"]
_one_at_a_time = threading.Lock()


def build_model(random_state: int) -> Pipeline:
    encode = ColumnTransformer(
        [("region", OneHotEncoder(categories=[list(config.REGIONS)]), ["region"])],
        remainder="passthrough",
    )
    forest = RandomForestClassifier(
        n_estimators=60, max_depth=8, min_samples_leaf=5, n_jobs=1, random_state=random_state
    )
    return Pipeline([("encode", encode), ("forest", forest)])


def train(seed: int = config.DEFAULT_SEED, promote: bool = False) -> dict:
    with _one_at_a_time:
        seed = int(seed)
        rng = np.random.RandomState(seed)  # the only source of randomness below
        source, data = provenance.source_digest(), provenance.dataset_digest()
        frame = load_training_frame()
        order = rng.permutation(len(frame))
        cut = int(0.8 * len(frame))
        fit_rows, test_rows = frame.iloc[order[:cut]], frame.iloc[order[cut:]]
        model = build_model(int(rng.randint(0, 2**31 - 1)))
        model.fit(fit_rows[config.FEATURES], fit_rows[config.LABEL])
        scores = model.predict_proba(test_rows[config.FEATURES])[:, 1]

        mlflow.set_tracking_uri(config.tracking_uri())
        mlflow.set_experiment(config.experiment_name())
        with mlflow.start_run() as run:
            mlflow.set_tags({provenance.COMMIT_TAG: source, "data_digest": data})
            mlflow.set_tags(provenance.runtime())
            mlflow.log_param("seed", seed)
            mlflow.log_metric("test_auc", float(roc_auc_score(test_rows[config.LABEL], scores)))
            mlflow.log_input(mlflow.data.from_pandas(frame, name="training"), context="training")
            logged = mlflow.sklearn.log_model(
                model,
                name="model",
                serialization_format="cloudpickle",
                pip_requirements=PIP_REQUIREMENTS,
                registered_model_name=config.model_name(),
            )
        result = {
            "model_name": config.model_name(),
            "model_version": str(logged.registered_model_version),
            "run_id": run.info.run_id,
        }
        if promote:
            MlflowClient(config.tracking_uri()).set_registered_model_alias(
                result["model_name"], "champion", result["model_version"]
            )
        return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=config.DEFAULT_SEED)
    parser.add_argument("--promote", action="store_true")
    options = parser.parse_args()
    print(json.dumps(train(options.seed, options.promote)))
