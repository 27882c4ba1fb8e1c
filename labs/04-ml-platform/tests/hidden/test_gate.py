"""Check group `gate`: promotion moves `@champion` only for a version that passes the gate.

The gate (README): on the fixed holdout, the candidate's MAE is at most MAE_CEILING
and at most the champion's MAE + TOLERANCE.  The candidates are made on the trusted
side from the deployed champion: `broken` is 10 min off everywhere, `shifted` 1.5 min
(worse than the champion, still above the floor), `same` is an identical copy.
"""

from __future__ import annotations

import pytest
from eta_oracle import MODEL, client

from grader.checks.student_call import StudentCallError

GATE = (
    "A promotion is a deployment: before `@champion` moves, the candidate must be "
    "evaluated on the fixed holdout and refused (HTTP 409, `PromotionRefused` in the SDK) "
    "when it is worse than the quality floor or clearly worse than the current champion. "
    "A refused promotion leaves the alias where it was."
)


def _promote(services, version: str):
    with client(services) as http:
        return http.post("/promote", json={"model": MODEL, "version": version}, timeout=60)


@pytest.mark.parametrize("label", ["broken", "shifted"])
def test_refuses_a_worse_model(services, mlflow, versions, label):
    try:
        r = _promote(services, versions[label])
        champion = mlflow.champion_version(MODEL)
    finally:
        mlflow.set_alias(MODEL, versions["original"])
    what = {
        "broken": "whose holdout MAE is far above the quality ceiling",
        "shifted": "whose holdout MAE is clearly worse than the champion's (but under the ceiling)",
    }[label]
    assert champion == versions["original"], (
        f"POST /promote moved `@champion` to version {champion}, a model {what}. " + GATE
    )
    assert 400 <= r.status_code < 500, (
        f"POST /promote of a model {what} answered {r.status_code}; a refusal is a 4xx "
        "(409) with the reason in the body. " + GATE
    )


def test_accepts_an_equally_good_model(services, mlflow, versions):
    try:
        r = _promote(services, versions["same"])
        champion = mlflow.champion_version(MODEL)
    finally:
        mlflow.set_alias(MODEL, versions["original"])
    assert r.status_code == 200 and champion == versions["same"], (
        f"promoting a version exactly as good as the champion must succeed and move the alias "
        f"(answer {r.status_code} {r.text[:200]}, `@champion` -> {champion}); the tolerance "
        "exists so that retraining on the same data can ship"
    )


def test_sdk_promote_raises_promotion_refused(services, mlflow, versions, student_call, feature_db):
    raised = ""
    try:
        try:
            student_call("mlplat.sdk:promote", MODEL, versions["broken"], feature_db, timeout_s=90)
        except StudentCallError as exc:
            raised = str(exc)
        champion = mlflow.champion_version(MODEL)
    finally:
        mlflow.set_alias(MODEL, versions["original"])
    outcome = f"it raised: {raised[:200]}" if raised else "it returned normally"
    assert "PromotionRefused" in raised, (
        "mlplat.sdk.promote(model, version, feature_db) must raise PromotionRefused for a "
        f"model below the quality floor; {outcome}"
    )
    assert champion == versions["original"], "a refused promotion must leave `@champion` alone"
