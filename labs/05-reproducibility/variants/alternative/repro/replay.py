"""Replay from the record alone: its model version from the registry, its input."""

from __future__ import annotations

from repro import audit, model


def replay_record(record: dict) -> dict:
    if not record.get("model_version"):
        raise ValueError("the record names no model version: it cannot be replayed")
    return model.predict(model.load(record["model_name"], record["model_version"]), record["input"])


def replay(prediction_id: str, audit_log: str) -> dict:
    record = audit.read(audit_log, prediction_id)
    if record is None:
        raise LookupError(prediction_id)
    return replay_record(record)
