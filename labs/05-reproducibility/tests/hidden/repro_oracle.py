"""Trusted helpers for the hidden checks of lab 05: independent digests and recomputation.

Written from the lab's contract, not from any solution:

* the code version is the sha256 of the `sha256sum` listing of every `.py` file under
  `repro/`, and the data digest the same over every file under `data/` (paths relative
  to the submission folder, sorted);
* the model artifact is `model.pkl` of the registered version;
* a prediction's probability is `predict_proba` (class 1) of the registered version on
  a one-row DataFrame of the recorded input's feature fields.

Hashing happens here, on the trusted side.  Loading a model means unpickling the
submission's artifact, so that part runs in the sandbox (`recompute`): this module
writes a small trusted module into the submission copy and calls it there.
"""

from __future__ import annotations

import hashlib
import os
import random
import tempfile
import uuid
from pathlib import Path

import httpx

FEATURES = ["age", "income", "debt", "years_employed", "region", "home_owner"]
REGIONS = ["CE", "EA", "IS", "NO", "SO", "WE"]
THRESHOLD = 0.5
MODEL = "credit-risk"
CODE_TAG = "mlflow.source.git.commit"
DATA_TAG = "data_digest"

ORACLE_MODULE = "_labgrade_recompute"
ORACLE_SOURCE = '''
"""Written by the grader into the submission copy for one call; not part of the lab."""
import os

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


def recompute(items, features):
    import mlflow
    import mlflow.sklearn
    import pandas as pd

    mlflow.set_tracking_uri(os.environ["MLFLOW_TRACKING_URI"])
    models, out = {}, []
    for item in items:
        key = (item["model_name"], str(item["model_version"]))
        if key not in models:
            models[key] = mlflow.sklearn.load_model("models:/%s/%s" % key)
        frame = pd.DataFrame([{f: item["input"][f] for f in features}])
        out.append(float(models[key].predict_proba(frame)[0, 1]))
    return out
'''


def tree_digest(root: Path, files: list[Path]) -> str:
    lines = []
    for path in files:
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append((path.relative_to(root).as_posix(), sha))
    text = "".join(f"{sha}  {name}\n" for name, sha in sorted(lines))
    return hashlib.sha256(text.encode()).hexdigest()


def code_version(submission: str) -> str:
    root = Path(submission)
    files = [p for p in (root / "repro").rglob("*.py") if "__pycache__" not in p.parts]
    return tree_digest(root, files)


def data_digest(submission: str) -> str:
    root = Path(submission)
    return tree_digest(root, [p for p in (root / "data").rglob("*") if p.is_file()])


def artifact_sha256(access, model_name: str, version: str) -> str:
    """sha256 of model.pkl of a registered version, downloaded through the server."""
    import mlflow
    import mlflow.artifacts

    mlflow.set_tracking_uri(access.tracking_uri)
    with tempfile.TemporaryDirectory() as folder:
        try:
            path = mlflow.artifacts.download_artifacts(
                artifact_uri=f"models:/{model_name}/{version}/model.pkl", dst_path=folder
            )
        except Exception as exc:
            raise AssertionError(
                f"model version {version} of {model_name} has no model.pkl ({exc}): log the "
                "model with mlflow.sklearn.log_model(..., serialization_format='pickle'); the "
                "default, skops, is a zip archive that stamps the time into every entry"
            ) from None
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def recompute(student_call, run_context, items: list[dict]) -> list[float]:
    """Probabilities of the recorded versions on the recorded inputs, computed sandboxed."""
    path = Path(run_context.submission_dir) / f"{ORACLE_MODULE}.py"
    path.write_text(ORACLE_SOURCE, encoding="utf-8")
    try:
        return student_call(f"{ORACLE_MODULE}:recompute", items, FEATURES, timeout_s=90)
    finally:
        path.unlink(missing_ok=True)


def random_applicant(rng: random.Random) -> dict:
    income = rng.randrange(9_000, 160_000, 100)
    return {
        "applicant_id": f"t-{uuid.uuid4().hex[:10]}",
        "age": rng.randint(19, 75),
        "income": income,
        "debt": rng.randrange(0, income, 100),
        "years_employed": rng.randint(0, 40),
        "region": rng.choice(REGIONS),
        "home_owner": rng.randint(0, 1),
    }


def api(services) -> httpx.Client:
    return httpx.Client(base_url=services.url("api"), timeout=60)


def predict(client: httpx.Client, applicant: dict) -> dict:
    r = client.post("/predict", json=applicant)
    assert r.status_code == 200, f"POST /predict answered {r.status_code}: {r.text[:300]}"
    body = r.json()
    assert body.get("prediction_id"), f"a prediction without a prediction_id: {body}"
    return body


def record_of(client: httpx.Client, prediction_id: str) -> dict | None:
    r = client.get(f"/predictions/{prediction_id}")
    if r.status_code == 404:
        return None
    assert r.status_code == 200, f"GET /predictions/<id> answered {r.status_code}: {r.text[:200]}"
    return r.json()


def train(services, seed: int, promote: bool = False) -> dict:
    r = httpx.post(
        services.url("trainer") + "/train", json={"seed": seed, "promote": promote}, timeout=180
    )
    assert r.status_code == 200, f"POST /train answered {r.status_code}: {r.text[:300]}"
    return r.json()


def audit_log_path(run_context) -> str:
    """AUDIT_LOG as lab.toml sets it."""
    return os.path.join(run_context.state_dir, "audit.db")


def output_of(body: dict) -> tuple[float, str]:
    return float(body["probability"]), body["decision"]
