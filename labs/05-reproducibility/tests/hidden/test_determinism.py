"""Check group `determinism`: the seed, and only the seed, decides the model's bytes.

Trainings go through the trainer (POST /train) and, once, through
repro.pipeline.train() in a separate sandboxed process.  The oracle downloads model.pkl
of every registered version and hashes it here.
"""

from __future__ import annotations

import random

import pytest
from repro_oracle import artifact_sha256, train

SEED = random.Random().randint(1_000, 9_999)
OTHER_SEED = SEED + random.Random().randint(1, 500)

CONCEPT = (
    "Every source of randomness in training must draw from the recorded seed: the "
    "train/test split and the model's own randomness (scikit-learn's random_state)."
)


@pytest.fixture(scope="module")
def runs(services, mlflow) -> dict:
    """Two trainings with SEED, one with OTHER_SEED, and their artifact hashes."""
    out = {}
    for key, seed in (("a", SEED), ("b", SEED), ("other", OTHER_SEED)):
        run = train(services, seed)
        run["sha256"] = artifact_sha256(mlflow, run["model_name"], run["model_version"])
        out[key] = run
    return out


def test_same_seed_gives_a_byte_identical_artifact(runs):
    a, b = runs["a"], runs["b"]
    assert a["sha256"] == b["sha256"], (
        f"two trainings with seed {SEED} on the same data registered versions "
        f"{a['model_version']} and {b['model_version']} whose model.pkl differ "
        f"({a['sha256'][:12]} vs {b['sha256'][:12]}): the training is not reproducible. " + CONCEPT
    )


def test_same_seed_in_another_process_gives_the_same_artifact(runs, mlflow, student_call):
    fresh = student_call("repro.pipeline:train", SEED, False, timeout_s=110)
    assert isinstance(fresh, dict) and fresh.get("model_version"), (
        f"repro.pipeline.train(seed, promote) must return model_name, model_version and "
        f"run_id; it returned {fresh!r}"
    )
    digest = artifact_sha256(mlflow, fresh["model_name"], fresh["model_version"])
    assert digest == runs["a"]["sha256"], (
        f"repro.pipeline.train({SEED}) in a fresh process registered a model.pkl that differs "
        f"from the trainer's with the same seed ({digest[:12]} vs {runs['a']['sha256'][:12]}): "
        "something random is not derived from the seed (a global RNG, hash-ordered sets, a "
        "timestamp in the model). " + CONCEPT
    )


def test_another_seed_gives_another_model_and_the_seed_is_recorded(runs, mlflow):
    a, other = runs["a"], runs["other"]
    assert a["sha256"] != other["sha256"], (
        f"seeds {SEED} and {OTHER_SEED} gave byte-identical models: the seed the pipeline is "
        "given must be the one it uses (a hard-coded random_state makes every run the same "
        "model, whatever seed is recorded)"
    )
    for run, seed in ((a, SEED), (other, OTHER_SEED)):
        params = mlflow.client.get_run(run["run_id"]).data.params
        assert params.get("seed") == str(seed), (
            f"the run of a training with seed {seed} records param seed={params.get('seed')}: "
            "log the seed as the MLflow param `seed`"
        )
