"""Replaying a prediction: the recorded input through the model, once more."""

from __future__ import annotations

from repro import audit, model


def replay_record(record: dict) -> dict:
    name, version, _ = model.champion()
    fitted = model.load(name, version)
    return model.predict(fitted, record["input"])


def replay(prediction_id: str, audit_log: str) -> dict:
    """The output of prediction `prediction_id`, recomputed; `audit_log` is AUDIT_LOG."""
    record = audit.read(audit_log, prediction_id)
    if record is None:
        raise KeyError(f"no audit record for prediction {prediction_id}")
    return replay_record(record)
