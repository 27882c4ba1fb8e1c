"""The training pipeline as a service: POST /train runs repro.pipeline.train().

On start it makes sure a @champion exists (the first deployment trains one with the
default seed), so the prediction service has something to serve.

    uvicorn repro.trainer:app --port 8001
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from mlflow.exceptions import MlflowException
from pydantic import BaseModel

from repro import config, model, pipeline


class TrainRequest(BaseModel):
    seed: int = config.DEFAULT_SEED
    promote: bool = False


@asynccontextmanager
async def lifespan(app: FastAPI):
    try:
        model.champion()
    except MlflowException:
        pipeline.train(config.DEFAULT_SEED, promote=True)
    yield


app = FastAPI(title="Northwind credit-risk training", lifespan=lifespan)


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}


@app.post("/train")
def train(request: TrainRequest) -> dict:
    return pipeline.train(request.seed, request.promote)
