"""Check group `replay`: a prediction is recomputed from its audit record alone.

The oracle recomputes every sampled prediction from the record's model version and
input, in a sandboxed process that loads that version from the registry; then the
champion is replaced by a version trained with another seed, and the old predictions
must still replay to their original outputs, through the endpoint and through
repro.replay.replay() in a fresh process.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from repro_oracle import (
    FEATURES,
    MODEL,
    THRESHOLD,
    api,
    audit_log_path,
    output_of,
    predict,
    random_applicant,
    recompute,
    record_of,
    train,
)

from grader.checks.student_call import StudentCallError

CONCEPT = (
    "The audit record must name the model version (and run) that made the prediction, and "
    "replay must load exactly that version from the registry, never the current champion."
)

applicants = st.builds(
    dict,
    applicant_id=st.uuids().map(lambda u: f"h-{u.hex[:10]}"),
    age=st.integers(18, 100),
    income=st.integers(0, 400_000),
    debt=st.integers(0, 400_000),
    years_employed=st.integers(0, 60),
    region=st.sampled_from(["CE", "EA", "IS", "NO", "SO", "WE"]),
    home_owner=st.integers(0, 1),
)


def _require_version(record: dict) -> None:
    missing = [k for k in ("model_name", "model_version", "run_id") if not record.get(k)]
    assert not missing, (
        f"the audit record of prediction {record.get('prediction_id')} has no {', '.join(missing)}"
        ": without them nobody can say which model made the decision, let alone replay it. "
        + CONCEPT
    )


@settings(max_examples=2, deadline=None, phases=[Phase.explicit, Phase.generate])
@given(st.lists(applicants, min_size=8, max_size=8))
def test_replay_equals_an_independent_recomputation(services, student_call, run_context, batch):
    with api(services) as client:
        answers = [predict(client, a) for a in batch]
        records = [record_of(client, b["prediction_id"]) for b in answers]
        assert all(records), "an answered prediction has no audit record (GET /predictions/<id>)"
        for record in records:
            _require_version(record)
        for body in answers:
            r = client.post(f"/predictions/{body['prediction_id']}/replay")
            assert r.status_code == 200, f"POST /predictions/<id>/replay answered {r.status_code}"
            assert output_of(r.json()["output"]) == output_of(body), (
                f"replaying prediction {body['prediction_id']} gave {r.json()['output']}, the "
                f"service answered {output_of(body)}. " + CONCEPT
            )
    items = [
        {
            "model_name": r["model_name"],
            "model_version": r["model_version"],
            "input": {f: r["input"][f] for f in FEATURES},
        }
        for r in records
    ]
    expected = recompute(student_call, run_context, items)
    for body, probability in zip(answers, expected, strict=True):
        assert float(body["probability"]) == probability, (
            f"prediction {body['prediction_id']}: the recorded model version applied to the "
            f"recorded input gives {probability}, the service answered {body['probability']}. "
            "The record must hold the exact input and the version that was actually used"
        )
        decision = "refuse" if probability >= THRESHOLD else "approve"
        assert body["decision"] == decision, (
            f"probability {probability} must give decision {decision!r} (threshold {THRESHOLD})"
        )


@pytest.fixture(scope="module")
def moved(services, mlflow) -> dict:
    """Predictions made by the champion, then a new champion (another seed) promoted."""
    rng = random.Random()
    old_version = mlflow.champion_version(MODEL)
    with api(services) as client:
        old = [predict(client, random_applicant(rng)) for _ in range(6)]
    new = train(services, rng.randint(10_000, 99_999), promote=True)
    assert mlflow.champion_version(MODEL) == str(new["model_version"]), (
        "POST /train with promote=true must point the @champion alias at the new version"
    )
    return {"old": old, "old_version": old_version, "new_version": str(new["model_version"])}


def test_old_predictions_replay_after_the_champion_moved(services, moved):
    with api(services) as client:
        for body in moved["old"]:
            record = record_of(client, body["prediction_id"])
            assert record is not None, "an answered prediction has no audit record"
            _require_version(record)
            assert str(record["model_version"]) == moved["old_version"], (
                f"a prediction made while version {moved['old_version']} was champion records "
                f"version {record['model_version']}"
            )
            r = client.post(f"/predictions/{body['prediction_id']}/replay")
            assert r.status_code == 200, f"POST /predictions/<id>/replay answered {r.status_code}"
            assert output_of(r.json()["output"]) == output_of(body), (
                f"after the champion moved from v{moved['old_version']} to "
                f"v{moved['new_version']}, replaying an old prediction gave "
                f"{r.json()['output']} instead of its original {output_of(body)}. " + CONCEPT
            )


def test_replay_in_a_fresh_process(moved, student_call, run_context):
    pick = moved["old"][0]
    try:
        replayed = student_call(
            "repro.replay:replay", pick["prediction_id"], audit_log_path(run_context), timeout_s=90
        )
    except StudentCallError as exc:
        raise AssertionError(
            f"repro.replay.replay(prediction_id, audit_log) failed in a fresh process: {exc}. "
            "A replay must work from the audit log file (AUDIT_LOG) and the registry alone: a "
            "record still held in the api's memory is not in the log yet"
        ) from None
    assert isinstance(replayed, dict) and output_of(replayed) == output_of(pick), (
        "repro.replay.replay(prediction_id, audit_log), called in a fresh process after the "
        f"champion moved, returned {replayed!r} instead of the original {output_of(pick)}: a "
        "replay must depend on the audit log and the registry only, not on the current "
        "champion or on what the running service holds in memory. " + CONCEPT
    )
