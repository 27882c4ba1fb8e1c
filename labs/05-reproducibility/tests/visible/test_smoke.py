"""Visible smoke tests: the services start, decide on an application, and log it.

Run them with `labgrade check 05`.  They use the same fixtures as the hidden checks
(`services`, `mlflow`), provided by the grader's pytest plugin.  Passing them does not
mean the system is reproducible: the hidden checks train twice with the same seed,
replay old predictions after a new champion took over, tamper with a data file and
kill the service mid-stream.
"""

from __future__ import annotations

import httpx
import pytest

APPLICANT = {
    "applicant_id": "smoke-1",
    "age": 41,
    "income": 38_500,
    "debt": 21_000,
    "years_employed": 6,
    "region": "EA",
    "home_owner": 0,
}


@pytest.fixture
def api(services):
    with httpx.Client(base_url=services.url("api"), timeout=30) as client:
        yield client


def test_health(api, services):
    assert api.get("/health").status_code == 200, "GET /health of the api must answer 200"
    assert httpx.get(services.url("trainer") + "/health", timeout=10).status_code == 200


def test_a_champion_is_registered(mlflow):
    assert mlflow.champion_version("credit-risk"), (
        "no @champion alias on the registered model <MLFLOW_NAME_PREFIX>credit-risk: the "
        "trainer must register a first version and point the alias at it when it starts"
    )


def test_predict_answers_with_a_prediction_id(api):
    r = api.post("/predict", json=APPLICANT)
    assert r.status_code == 200, f"POST /predict answered {r.status_code}: {r.text[:200]}"
    body = r.json()
    assert body.get("prediction_id"), "every prediction must carry a prediction_id"
    assert 0.0 <= body["probability"] <= 1.0, f"probability out of range: {body}"
    assert body["decision"] in ("approve", "refuse"), f"unknown decision: {body}"


def test_invalid_application_is_422(api):
    r = api.post("/predict", json=APPLICANT | {"region": "XX"})
    assert r.status_code == 422, f"an unknown region must be refused with 422, got {r.status_code}"


def test_prediction_is_in_the_audit_log(api):
    body = api.post("/predict", json=APPLICANT).json()
    r = api.get(f"/predictions/{body['prediction_id']}")
    assert r.status_code == 200, f"GET /predictions/<id> answered {r.status_code}"
    record = r.json()
    assert record["prediction_id"] == body["prediction_id"]
    assert record["output"]["probability"] == body["probability"], (
        f"the audit record's output differs from the answer: {record['output']} vs {body}"
    )
    assert {k: record["input"][k] for k in APPLICANT if k != "applicant_id"} == {
        k: v for k, v in APPLICANT.items() if k != "applicant_id"
    }, f"the audit record's input differs from the request: {record['input']}"
    assert api.get("/predictions/no-such-id").status_code == 404


def test_replay_and_lineage_endpoints_answer(api):
    body = api.post("/predict", json=APPLICANT).json()
    pid = body["prediction_id"]
    replayed = api.post(f"/predictions/{pid}/replay")
    assert replayed.status_code == 200, f"POST /predictions/<id>/replay: {replayed.status_code}"
    assert replayed.json()["output"]["probability"] == body["probability"]
    lineage = api.get(f"/predictions/{pid}/lineage")
    assert lineage.status_code == 200, f"GET /predictions/<id>/lineage: {lineage.status_code}"
    assert isinstance(lineage.json().get("verified"), bool), "lineage must say verified: bool"


def test_trainer_trains_a_new_version(services, mlflow):
    r = httpx.post(services.url("trainer") + "/train", json={"seed": 3}, timeout=120)
    assert r.status_code == 200, f"POST /train answered {r.status_code}: {r.text[:200]}"
    out = r.json()
    assert out["model_name"] == mlflow.name("credit-risk"), (
        f"registered-model names start with MLFLOW_NAME_PREFIX: got {out['model_name']}"
    )
    version = mlflow.client.get_model_version(out["model_name"], out["model_version"])
    assert version.run_id == out["run_id"], "POST /train must return the run that made the version"
