"""Replaying a prediction from its audit record alone.

The record names the exact model version; the registry keeps that version forever
(even after the @champion alias moved on), so loading it and applying it to the
recorded input gives the recorded output again, in any process, at any later time.
"""

from __future__ import annotations

from repro import audit, model


def replay_record(record: dict) -> dict:
    fitted = model.load(record["model_name"], record["model_version"])
    return model.predict(fitted, record["input"])


def replay(prediction_id: str, audit_log: str) -> dict:
    """The output of prediction `prediction_id`, recomputed; `audit_log` is AUDIT_LOG."""
    record = audit.read(audit_log, prediction_id)
    if record is None:
        raise KeyError(f"no audit record for prediction {prediction_id}")
    return replay_record(record)
