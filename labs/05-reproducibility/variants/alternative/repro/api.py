"""The prediction service; every answer is backed by a durable audit record."""

from __future__ import annotations

import time
import uuid
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException
from repro import config, model, provenance
from repro.audit import AuditLog
from repro.replay import replay_record
from repro.schemas import Applicant

state: dict = {}


@asynccontextmanager
async def lifespan(app: FastAPI):
    name, version, run_id = model.champion()
    state.update(
        lineage={"model_name": name, "model_version": version, "run_id": run_id},
        model=model.load(name, version),
        log=AuditLog(config.audit_log_path()),
    )
    yield
    state["log"].close()


app = FastAPI(lifespan=lifespan)


def lookup(prediction_id: str) -> dict:
    record = state["log"].get(prediction_id)
    if not record:
        raise HTTPException(status_code=404, detail="unknown prediction")
    return record


@app.get("/health")
def health():
    return {"status": "ok", **state["lineage"]}


@app.post("/predict")
def predict(applicant: Applicant):
    request = applicant.model_dump()
    output = model.predict(state["model"], request)
    prediction_id = str(uuid.uuid4())
    state["log"].append(
        {
            "prediction_id": prediction_id,
            "timestamp": time.time(),
            "input": request,
            "output": output,
            **state["lineage"],
        }
    )
    return {"prediction_id": prediction_id, **output}


@app.get("/predictions/{prediction_id}")
def prediction(prediction_id: str):
    return lookup(prediction_id)


@app.post("/predictions/{prediction_id}/replay")
def replay(prediction_id: str):
    return {"prediction_id": prediction_id, "output": replay_record(lookup(prediction_id))}


@app.get("/predictions/{prediction_id}/lineage")
def lineage(prediction_id: str):
    return provenance.check(lookup(prediction_id), model.client())
