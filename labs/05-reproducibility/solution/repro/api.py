"""The prediction service: decisions on credit applications, each one audited.

Run it with `uvicorn repro.api:app --port 8000`.
"""

from __future__ import annotations

import time
import uuid
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException

from repro import config, lineage, model
from repro.audit import AuditLog
from repro.replay import replay_record
from repro.schemas import Applicant


class Serving:
    """The champion version this process serves, and the audit log."""

    def __init__(self) -> None:
        self.name, self.version, self.run_id = model.champion()
        self.model = model.load(self.name, self.version)
        self.audit = AuditLog(config.audit_log_path())


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.serving = Serving()
    yield
    app.state.serving.audit.close()


app = FastAPI(title="Northwind credit decisions", lifespan=lifespan)


def _record(prediction_id: str) -> dict:
    record = app.state.serving.audit.get(prediction_id)
    if record is None:
        raise HTTPException(404, f"no prediction {prediction_id}")
    return record


@app.get("/health")
def health() -> dict:
    s = app.state.serving
    return {"status": "ok", "model_name": s.name, "model_version": s.version}


@app.post("/predict")
def predict(applicant: Applicant) -> dict:
    s = app.state.serving
    features = applicant.model_dump()
    output = model.predict(s.model, features)
    record = {
        "prediction_id": uuid.uuid4().hex,
        "timestamp": time.time(),
        "input": features,
        "output": output,
        "model_name": s.name,
        "model_version": s.version,
        "run_id": s.run_id,
    }
    s.audit.append(record)  # committed before anyone sees the prediction id
    return {"prediction_id": record["prediction_id"], **output, "model_version": s.version}


@app.get("/predictions/{prediction_id}")
def get_prediction(prediction_id: str) -> dict:
    return _record(prediction_id)


@app.post("/predictions/{prediction_id}/replay")
def replay(prediction_id: str) -> dict:
    record = _record(prediction_id)
    return {"prediction_id": prediction_id, "output": replay_record(record)}


@app.get("/predictions/{prediction_id}/lineage")
def verify_lineage(prediction_id: str) -> dict:
    return lineage.verify(_record(prediction_id), model.client())
