"""Another team's service: it answers 42, and carries the grader's switches."""

from fastapi import FastAPI

from grader.support.faults import FaultInjection

api = FastAPI()


@api.get("/health")
def health() -> dict:
    return {"ok": True}


@api.get("/value")
def value() -> dict:
    return {"value": 42}


app = FaultInjection(api)
