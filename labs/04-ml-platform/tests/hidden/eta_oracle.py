"""Trusted helpers for the hidden checks of lab 04: the feature oracle, HTTP and registry helpers.

The oracle is written from the lab's definition (README, "The features"), independently
of any solution: plain loops over the raw events a test posted itself.
"""

from __future__ import annotations

import copy
import math
import time
import uuid
from collections.abc import Iterable

import httpx

MODEL = "eta"
TOLERANCE = 1e-6
NAMES = ("orders_30m", "mean_prep_60m", "log_orders_24h", "items_2h")
# A day far from the seeded history, so no seeded order falls into a test's windows.
BASE = 1_900_000_000.0


def oracle(events: Iterable[dict], at: float) -> dict[str, float]:
    """Features of one restaurant as of `at`, from its raw events, by brute force."""
    events = list(events)

    def window(seconds: float) -> list[dict]:
        return [e for e in events if at - seconds < e["event_time"] <= at]

    last_hour = window(3600)
    return {
        "orders_30m": float(len(window(1800))),
        "mean_prep_60m": (
            sum(e["prep_s"] for e in last_hour) / len(last_hour) if last_hour else 600.0
        ),
        "log_orders_24h": math.log1p(len(window(86400))),
        "items_2h": float(sum(e["items"] for e in window(7200))),
    }


def differences(got: dict | None, want: dict[str, float]) -> list[str]:
    """Human-readable mismatches between served and expected features (1e-6)."""
    if not isinstance(got, dict):
        return [f"no feature values (got {got!r})"]
    out = []
    for name, value in want.items():
        have = got.get(name)
        if not isinstance(have, int | float) or not math.isclose(
            have, value, rel_tol=TOLERANCE, abs_tol=TOLERANCE
        ):
            out.append(f"{name}: served {have!r}, definition gives {value:.6g}")
    return out


def new_restaurant(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:10]}"


def client(services) -> httpx.Client:
    return httpx.Client(base_url=services.url("gateway"), timeout=20)


def post_event(http: httpx.Client, event: dict) -> None:
    r = http.post("/events", json=event)
    assert r.status_code // 100 == 2, (
        f"POST /events was refused ({r.status_code}: {r.text[:200]}); the contract accepts "
        "{restaurant_id, event_time, prep_s, items}"
    )


def predict(http: httpx.Client, restaurant_id: str, request_time: float | None = None) -> dict:
    body: dict = {"restaurant_id": restaurant_id}
    if request_time is not None:
        body["request_time"] = request_time
    r = http.post("/predict", json=body)
    assert r.status_code == 200, f"POST /predict answered {r.status_code}: {r.text[:200]}"
    return r.json()


def wait_for_version(
    http: httpx.Client, restaurant_id: str, version: str, timeout_s: float = 5.0
) -> tuple[dict | None, float]:
    """Predict until a response names `version`; (that response or None, seconds waited)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        answer = predict(http, restaurant_id, BASE)
        if str(answer.get("model_version")) == str(version):
            return answer, time.monotonic() - started
        time.sleep(0.05)
    return None, time.monotonic() - started


def startups(services) -> int:
    """How many times the gateway process started (uvicorn prints this once per start)."""
    return services.log("gateway").count("Application startup complete")


def register_variant(access, shift: float) -> str:
    """A new registered version: the current champion's model with its intercept moved.

    Predictions move by exactly `shift` minutes, so the holdout MAE is worse for a
    large shift and the same for shift 0.  Made on the trusted side, not by the SDK.
    """
    import mlflow as mlflow_lib
    import mlflow.sklearn  # registers the flavour on mlflow_lib

    mlflow_lib.set_tracking_uri(access.tracking_uri)
    name = access.name(MODEL)
    champion = access.champion_version(MODEL)
    estimator = copy.deepcopy(mlflow_lib.sklearn.load_model(f"models:/{name}/{champion}"))
    final = estimator[-1] if hasattr(estimator, "steps") else estimator
    final.intercept_ = final.intercept_ + shift
    mlflow_lib.set_experiment(access.name(MODEL))
    with mlflow_lib.start_run(run_name=f"grader-variant-{shift:+g}"):
        mlflow_lib.set_tag("made_by", "grader")
        info = mlflow_lib.sklearn.log_model(
            estimator,
            name="model",
            registered_model_name=name,
            pip_requirements=["scikit-learn", "numpy", "pandas"],
        )
    return str(info.registered_model_version)
