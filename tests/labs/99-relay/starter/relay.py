"""Relays upstream's value; answers degraded when upstream is slow or down."""

import os

import httpx
from fastapi import FastAPI

app = FastAPI()
UPSTREAM = os.environ["UPSTREAM_URL"]
TIMEOUT_S = float(os.environ.get("RELAY_TIMEOUT_S", "0.5"))


@app.get("/health")
def health() -> dict:
    return {"ok": True}


@app.get("/value")
def value() -> dict:
    try:
        response = httpx.get(UPSTREAM + "/value", timeout=TIMEOUT_S)
        response.raise_for_status()
        return {"value": response.json()["value"], "degraded": False}
    except httpx.HTTPError:
        return {"value": None, "degraded": True}
