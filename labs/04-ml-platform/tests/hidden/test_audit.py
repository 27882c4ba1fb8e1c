"""Check group `audit-and-sdk`: every prediction is traceable, and the SDK keeps its contract.

A prediction's response and its request-log entry carry the request id, the request
time, the model version and the exact feature values served.  The SDK rejects invalid
feature specs with a clear SpecError, and `train` returns a run id that MLflow knows.
"""

from __future__ import annotations

import math

from eta_oracle import BASE, MODEL, NAMES, client, new_restaurant, post_event, predict

from grader.checks.student_call import StudentCallError

AUDIT = (
    "Without the served features and the model version in the response and the request "
    "log, nobody can explain a prediction later, check it for training/serving skew, or "
    "tell which release made it."
)


def _predictions(services, n: int = 4) -> tuple[str, list[dict]]:
    http = client(services)
    rid = new_restaurant("audit")
    post_event(http, {"restaurant_id": rid, "event_time": BASE, "prep_s": 480.0, "items": 3})
    return rid, [predict(http, rid, BASE + 60 * i) for i in range(n)]


def test_response_carries_audit_fields(services, mlflow):
    _, answers = _predictions(services)
    champion = mlflow.champion_version(MODEL)
    for a in answers:
        missing = [
            k
            for k in ("request_id", "request_time", "model_version", "features")
            if a.get(k) is None
        ]
        assert not missing, f"a /predict response lacks {missing}: {a}. " + AUDIT
        assert str(a["model_version"]) == champion, (
            f"the response names model version {a['model_version']!r}, but `@champion` is "
            f"{champion}"
        )
        assert set(a["features"]) >= set(NAMES), f"the served features must include {NAMES}"
    ids = [a["request_id"] for a in answers]
    assert len(set(ids)) == len(ids), "request ids must be unique"


def test_every_prediction_is_logged(services):
    rid, answers = _predictions(services)
    r = client(services).get("/requests", params={"restaurant_id": rid})
    assert r.status_code == 200, f"GET /requests answered {r.status_code}"
    logged = {e.get("request_id"): e for e in r.json().get("requests", [])}
    for a in answers:
        entry = logged.get(a.get("request_id"))
        assert entry is not None, (
            f"the request log has no entry for request id {a.get('request_id')!r} "
            f"({len(logged)} entries for this restaurant). " + AUDIT
        )
        assert str(entry.get("model_version")) == str(a.get("model_version")), (
            f"logged model version {entry.get('model_version')!r} differs from the response's. "
            + AUDIT
        )
        logged_time, answered_time = entry.get("request_time"), a.get("request_time")
        assert isinstance(logged_time, int | float) and isinstance(answered_time, int | float), (
            f"the response and the log entry must both carry the request time "
            f"(response: {answered_time!r}, log: {logged_time!r}). " + AUDIT
        )
        assert math.isclose(logged_time, answered_time, abs_tol=1e-6), (
            "the logged request time differs from the response's. " + AUDIT
        )
        served, kept = a.get("features") or {}, entry.get("features")
        assert isinstance(kept, dict) and all(
            isinstance(kept.get(n), int | float) and math.isclose(kept[n], served[n], abs_tol=1e-9)
            for n in NAMES
        ), f"the logged features {kept!r} are not the served ones {served!r}. " + AUDIT


BAD_SPECS = {
    "window_zero": {"name": "window_zero", "agg": "count", "window_s": 0},
    "agg_median": {"name": "agg_median", "agg": "median", "column": "prep_s", "window_s": 60},
    "mean_without_column": {"name": "mean_without_column", "agg": "mean", "window_s": 60},
    "bad_transform": {"name": "bad_transform", "agg": "count", "window_s": 60, "transform": "sqrt"},
}


def test_spec_validation_errors_are_clear(student_call):
    good = [{"name": "orders_10m", "agg": "count", "window_s": 600}]
    try:
        student_call("mlplat.sdk:define_features", good, timeout_s=60)
    except StudentCallError as exc:
        raise AssertionError(f"a valid one-feature spec was rejected: {exc}") from None
    specs = {name: [*good, bad] for name, bad in BAD_SPECS.items()}
    specs["duplicate_name"] = [*good, {"name": "orders_10m", "agg": "count", "window_s": 60}]
    unclear = []
    for name, spec in specs.items():
        try:
            student_call("mlplat.sdk:define_features", spec, timeout_s=60)
            unclear.append(f"{name}: accepted")
        except StudentCallError as exc:
            text = str(exc)
            feature = "orders_10m" if name == "duplicate_name" else name
            if "SpecError" not in text or feature not in text:
                unclear.append(f"{name}: {text[-160:]}")
    assert not unclear, (
        "define_features must reject an invalid spec at definition time with a SpecError "
        "that names the feature (not fail later, deep inside training or serving): "
        + " | ".join(unclear)
    )


def test_train_returns_a_run_mlflow_knows(student_call, mlflow, feature_db):
    result = student_call("mlplat.sdk:train", MODEL, {"alpha": 10.0}, feature_db, timeout_s=120)
    assert isinstance(result, dict) and result.get("run_id"), (
        f"mlplat.sdk.train must return a dict with the MLflow run_id, got {result!r:.300}"
    )
    run = mlflow.client.get_run(result["run_id"])
    assert "holdout_mae" in run.data.metrics, (
        "the training run must log its holdout metric `holdout_mae` to MLflow "
        f"(logged: {sorted(run.data.metrics)})"
    )
    version = mlflow.client.get_model_version(mlflow.name(MODEL), str(result.get("version")))
    assert version.run_id == result["run_id"], (
        f"version {result.get('version')} was not registered from run {result['run_id']}: "
        "train must register the model it logged"
    )
