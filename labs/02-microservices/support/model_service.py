"""The model service (owned by the ML platform team, not by you).

`POST /predict` with `{"features": {...}}` returns the fraud score of a logistic
regression and the model version.  It is a pure function of its input: calling it
twice with the same features is harmless (idempotent).

The grader wraps the app in `FaultInjection` (latency, errors, outage, call counts).
"""

from __future__ import annotations

import math

from fastapi import FastAPI
from pydantic import BaseModel

from grader.support.faults import FaultInjection

MODEL_VERSION = "fraud-lr-2024.06"
WEIGHTS = {
    "txn_count_7d": 0.045,
    "avg_amount_30d": 0.004,
    "account_age_days": -0.0021,
    "chargebacks_90d": 0.9,
}
BIAS = -2.2

api = FastAPI(title="model service")


class PredictRequest(BaseModel):
    features: dict[str, float]


def score_of(features: dict[str, float]) -> float:
    z = BIAS + sum(w * float(features.get(name, 0.0)) for name, w in WEIGHTS.items())
    return round(1 / (1 + math.exp(-z)), 6)


@api.get("/health")
async def health() -> dict:
    return {"status": "ok"}


@api.post("/predict")
async def predict(request: PredictRequest) -> dict:
    return {"score": score_of(request.features), "model_version": MODEL_VERSION}


app = FaultInjection(api, seed=2)
