"""Load scenario for lab 04: predictions while `@champion` flips between two versions.

At the start, a second version is registered from the champion's own model (same
artifact, new version number) and a background greenlet moves `@champion` between
the two every FLIP_S seconds, the way a release and its rollback would.  Every
prediction's request window and the version it names are recorded; when the load
stops, two figures are reported:

  server_errors    predictions answered with a 5xx or a broken connection
  missing_version  responses that do not name a model version
  stale_version    responses naming a version that was not `@champion` at any moment
                   between STALE_S before the request and its answer
"""

import locust  # noqa: F401, I001  (first: gevent patches the standard library)

import contextlib
import random
import time
import uuid

import gevent
import requests
from locust import HttpUser, constant_throughput, events, task

try:
    from grader.load import context, figures
except ImportError:  # plain `locust -f` outside the grader: environment and print
    import os

    class context:
        mlflow_tracking_uri = os.environ.get("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
        mlflow_prefix = os.environ.get("MLFLOW_NAME_PREFIX", "")

    class figures:
        @staticmethod
        def report(name: str, value: float) -> None:
            print(f"figure {name} = {value}")


FLIP_S = 4.0
STALE_S = 2.5
RESTAURANTS = [f"r{i:02d}" for i in range(20)]
RUN = uuid.uuid4().hex[:6]
LIVE = [f"load-{RUN}-{i}" for i in range(10)]

state: dict = {"timeline": [], "responses": [], "server_errors": 0, "original": None}


def _api(path: str) -> str:
    return f"{context.mlflow_tracking_uri.rstrip('/')}/api/2.0/mlflow/{path}"


def _model() -> str:
    return context.mlflow_prefix + "eta"


def _champion() -> dict:
    r = requests.get(
        _api("registered-models/alias"), params={"name": _model(), "alias": "champion"}, timeout=10
    )
    r.raise_for_status()
    return r.json()["model_version"]


def _set_champion(version: str) -> None:
    requests.post(
        _api("registered-models/alias"),
        json={"name": _model(), "alias": "champion", "version": version},
        timeout=10,
    ).raise_for_status()


def _copy_version(mv: dict) -> str:
    """A new version of the same model: same artifact, new number."""
    body = {"name": _model(), "source": mv["source"], "run_id": mv.get("run_id", "")}
    if mv["source"].startswith("models:/"):
        body["model_id"] = mv["source"].split("/")[-1]
    r = requests.post(_api("model-versions/create"), json=body, timeout=10)
    r.raise_for_status()
    return r.json()["model_version"]["version"]


def _flipper() -> None:
    a, b = state["original"], state["other"]
    target = b
    while True:
        started = time.time()
        try:
            _set_champion(target)
        except requests.RequestException:
            gevent.sleep(0.2)
            continue
        # champion from (at the latest) `started` until the next move is confirmed
        state["timeline"].append((started, time.time(), target))
        target = a if target == b else b
        gevent.sleep(FLIP_S)


@events.test_start.add_listener
def start_flipping(environment, **kwargs) -> None:
    mv = _champion()
    state["original"] = mv["version"]
    state["other"] = _copy_version(mv)
    state["timeline"].append((0.0, time.time(), state["original"]))
    state["flipper"] = gevent.spawn(_flipper)


def _intervals(version: str) -> list[tuple[float, float]]:
    """When `version` was `@champion`: from the start of the move to it until the next
    move was confirmed (generous on both ends)."""
    timeline = state["timeline"]
    return [
        (started, timeline[i + 1][1] if i + 1 < len(timeline) else float("inf"))
        for i, (started, _, v) in enumerate(timeline)
        if v == version
    ]


def _staleness(at: float, version: str) -> float:
    """How long before `at` the version had stopped being `@champion` (0 if it still was)."""
    spans = _intervals(version)
    if any(start <= at <= end for start, end in spans):
        return 0.0
    before = [end for _, end in spans if end < at]
    return at - max(before) if before else float("inf")


def _champions_during(since: float, until: float) -> set[str]:
    """Versions that were `@champion` at some moment in [since, until]."""
    versions = {v for _, _, v in state["timeline"]}
    return {v for v in versions if any(s <= until and e >= since for s, e in _intervals(v))}


class Caller(HttpUser):
    wait_time = constant_throughput(10)

    @task(5)
    def predict(self) -> None:
        rid = random.choice(RESTAURANTS + LIVE)
        started = time.time()
        try:
            with self.client.post(
                "/predict", json={"restaurant_id": rid}, name="predict", catch_response=True
            ) as response:
                ended = time.time()
                if response.status_code >= 500 or response.status_code == 0:
                    state["server_errors"] += 1
                    response.failure(f"POST /predict answered {response.status_code}")
                    return
                if response.status_code != 200:
                    response.failure(f"POST /predict answered {response.status_code}")
                    return
                try:
                    version = response.json().get("model_version")
                except ValueError:
                    version = None
                state["responses"].append(
                    (started, ended, None if version is None else str(version))
                )
        except gevent.GreenletExit:
            raise

    @task(1)
    def order(self) -> None:
        self.client.post(
            "/events",
            json={
                "restaurant_id": random.choice(LIVE),
                "event_time": time.time(),
                "prep_s": round(random.uniform(200, 1200), 1),
                "items": random.randint(1, 5),
            },
            name="event",
        )


@events.test_stop.add_listener
def report(environment, **kwargs) -> None:
    if state.get("flipper") is not None:
        state["flipper"].kill()
    missing = stale = 0
    lag = 0.0
    for started, ended, version in state["responses"]:
        if version is None:
            missing += 1
            continue
        if version not in _champions_during(started - STALE_S, ended):
            stale += 1
        lag = max(lag, min(_staleness(started, version), 60.0))
    figures.report("server_errors", state["server_errors"])
    figures.report("missing_version", missing)
    figures.report("stale_version", stale)
    figures.report("max_staleness_s", round(lag, 3))
    figures.report("flips", len(state["timeline"]) - 1)
    figures.report("checked_responses", len(state["responses"]))
    if state["original"] is not None:
        with contextlib.suppress(requests.RequestException):
            _set_champion(state["original"])
