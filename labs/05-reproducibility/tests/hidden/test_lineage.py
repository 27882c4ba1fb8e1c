"""Check group `lineage`: prediction -> model version -> run -> code version and data digest.

The oracle hashes the submission's code and data itself and compares with what the
run recorded.  Then it changes one byte of a data file (or one line of code) in the
submission copy the services run from, asks GET /predictions/<id>/lineage, and puts
the file back.
"""

from __future__ import annotations

import contextlib
import platform
import random
from importlib import metadata
from pathlib import Path

import pytest
from repro_oracle import (
    CODE_TAG,
    DATA_TAG,
    api,
    code_version,
    data_digest,
    predict,
    random_applicant,
    record_of,
)

CONCEPT = (
    "Record content addresses, not labels: the digest of the code (MLflow's "
    f"{CODE_TAG} tag) and of every data file the pipeline reads (tag {DATA_TAG}), and "
    "have verification re-hash both."
)


@pytest.fixture(scope="module")
def prediction(services) -> dict:
    with api(services) as client:
        body = predict(client, random_applicant(random.Random()))
        record = record_of(client, body["prediction_id"])
    assert record is not None, "an answered prediction has no audit record"
    return record


def _verify(services, prediction_id: str) -> dict:
    with api(services) as client:
        r = client.get(f"/predictions/{prediction_id}/lineage")
    assert r.status_code == 200, f"GET /predictions/<id>/lineage answered {r.status_code}"
    body = r.json()
    assert isinstance(body.get("verified"), bool), f"lineage answer without verified: {body}"
    return body


@contextlib.contextmanager
def one_byte_changed(path: Path):
    """Change one digit in the middle of the file; put the original bytes back after."""
    original = path.read_bytes()
    middle = len(original) // 2
    at = next(i for i in range(middle, len(original)) if chr(original[i]).isdigit())
    digit = original[at] - ord("0")
    changed = original[:at] + bytes([ord("0") + (digit + 1) % 10]) + original[at + 1 :]
    path.write_bytes(changed)
    try:
        yield
    finally:
        path.write_bytes(original)


def test_the_chain_is_complete_and_matches_code_and_data(prediction, mlflow, run_context):
    for field in ("model_name", "model_version", "run_id"):
        assert prediction.get(field), (
            f"the audit record has no {field}: the chain from a prediction to its model, run, "
            "code and data breaks at the first link"
        )
    version = mlflow.client.get_model_version(
        prediction["model_name"], str(prediction["model_version"])
    )
    assert version.run_id == prediction["run_id"], (
        f"the record names run {prediction['run_id']}, the version was made by {version.run_id}"
    )
    run = mlflow.client.get_run(version.run_id)
    tags, params = run.data.tags, run.data.params
    code = code_version(run_context.submission_dir)
    assert tags.get(CODE_TAG) == code, (
        f"the run records {CODE_TAG}={tags.get(CODE_TAG)!r}, but the digest of the code that "
        f"trained it is {code[:16]}...: a version label (or the commit of a dirty tree) does not "
        "say which code ran. Record the sha256 of the sorted `sha256sum` listing of repro/*.py. "
        + CONCEPT
    )
    data = data_digest(run_context.submission_dir)
    assert tags.get(DATA_TAG) == data, (
        f"the run records {DATA_TAG}={tags.get(DATA_TAG)!r}, but the digest of the data files "
        f"under data/ is {data[:16]}...: every file training reads must be hashed, including the "
        "small ones. " + CONCEPT
    )
    assert params.get("seed") is not None, "the run records no seed (MLflow param `seed`)"
    expected_env = {"env.python": platform.python_version()}
    expected_env |= {f"env.{p}": metadata.version(p) for p in ("scikit-learn", "numpy", "pandas")}
    wrong = {k: tags.get(k) for k, v in expected_env.items() if tags.get(k) != v}
    assert not wrong, (
        f"the run's environment tags are wrong or missing: {wrong}, expected {expected_env}: "
        "the same code and data on another scikit-learn can give another model"
    )
    assert run.inputs.dataset_inputs, (
        "the run has no dataset input: log the training data with mlflow.log_input(...) so "
        "MLflow shows which data (and its digest) the run used"
    )


def test_untouched_lineage_verifies(services, prediction):
    body = _verify(services, prediction["prediction_id"])
    assert body["verified"] is True, (
        f"verification of an untouched prediction failed: {body.get('problems')}"
    )


@pytest.mark.parametrize("name", ["applicants.csv", "corrections.csv"])
def test_one_changed_byte_of_data_fails_verification(services, prediction, run_context, name):
    path = Path(run_context.submission_dir) / "data" / name
    before = data_digest(run_context.submission_dir)
    with one_byte_changed(path):
        assert data_digest(run_context.submission_dir) != before  # the oracle's own sanity check
        body = _verify(services, prediction["prediction_id"])
    assert body["verified"] is False, (
        f"one changed byte in data/{name} still verified: the lineage does not pin the data the "
        "model was trained on (an unhashed file, a date label, or a digest computed once and "
        "cached). " + CONCEPT
    )
    after = _verify(services, prediction["prediction_id"])
    assert after["verified"] is True, "with the original bytes back, verification must pass again"


def test_changed_code_fails_verification(services, prediction, run_context):
    path = Path(run_context.submission_dir) / "repro" / "__init__.py"
    original = path.read_bytes()
    path.write_bytes(original + b"\n# a change nobody committed\n")
    try:
        body = _verify(services, prediction["prediction_id"])
    finally:
        path.write_bytes(original)
    assert body["verified"] is False, (
        "after a line was added to repro/__init__.py the lineage still verified: the recorded "
        "code version must be a digest of the code, recomputed when verifying. " + CONCEPT
    )
