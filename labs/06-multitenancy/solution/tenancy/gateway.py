"""Orbital's serving and job gateway: one HTTP API in front of every tenant.

Run with `python -m uvicorn tenancy.gateway:app --port PORT`.  Every tenant endpoint
takes `Authorization: Bearer <the tenant's API key>`.
"""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tenancy import auth, config, costs, models
from tenancy.admission import Admission, QuotaExceeded, limits
from tenancy.cache import PredictionCache
from tenancy.ledger import Ledger
from tenancy.ratelimit import TenantLimiter

Authorization = Annotated[str | None, Header()]

cache = PredictionCache()
limiter = TenantLimiter(config.TENANTS)
admission = Admission(Ledger(config.job_ledger()))


app = FastAPI(title="Orbital gateway")


class PredictIn(BaseModel):
    features: list[float] = Field(min_length=config.FEATURES, max_length=config.FEATURES)


class JobIn(BaseModel):
    cpu: float = Field(gt=0, description="cores")
    memory_gb: float = Field(ge=0)
    gpu: int = Field(ge=0)
    duration_s: float = Field(gt=0, le=7 * 86400)


@app.get("/health")
async def health() -> dict:
    return {"status": "ok"}


@app.post("/v1/{tenant}/predict")
async def predict(tenant: str, body: PredictIn, authorization: Authorization = None):
    owner = auth.tenant_for(tenant, authorization)
    wait_s = limiter.take(owner.name)
    if wait_s > 0:
        return JSONResponse(
            {"detail": f"{owner.name} is over its rate limit of {owner.rate_per_s:g}/s"},
            status_code=429,
            headers={"Retry-After": str(max(1, math.ceil(wait_s)))},
        )
    entry = cache.get(owner, body.features)
    cached = entry is not None
    if entry is None:
        entry = {"model": owner.model, "score": models.predict(owner, body.features)}
        cache.put(owner, body.features, entry)
    return {"tenant": owner.name, **entry, "cached": cached}


@app.post("/v1/{tenant}/jobs", status_code=201)
async def submit_job(tenant: str, body: JobIn, authorization: Authorization = None) -> dict:
    owner = auth.tenant_for(tenant, authorization)
    try:
        job = await admission.submit(owner, body.cpu, body.memory_gb, body.gpu, body.duration_s)
    except QuotaExceeded as exc:
        raise HTTPException(409, str(exc)) from exc
    return job.as_dict()


@app.get("/v1/{tenant}/jobs")
async def list_jobs(tenant: str, authorization: Authorization = None) -> dict:
    owner = auth.tenant_for(tenant, authorization)
    return {
        "tenant": owner.name,
        "running": [j.as_dict() for j in admission.running(owner.name)],
        "used": admission.used(owner.name),
        "quota": limits(owner.quota),
    }


@app.get("/v1/costs")
async def cost_report(authorization: Authorization = None) -> dict:
    auth.check_key(config.FINANCE_KEY, authorization)
    usage = admission.ledger.records()
    return {"bill": config.BILL, "usage": usage, "costs": costs.attribute(usage, config.BILL)}
