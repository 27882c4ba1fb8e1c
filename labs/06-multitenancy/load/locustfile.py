"""Load scenario for lab 06: a noisy tenant and a quiet tenant at the same time.

Before any load, the quiet tenant's solo latency is measured in this same run
(SOLO_REQUESTS predictions, paced under its limit).  Then vision (tenant-a) hammers
the prediction endpoint with NOISY_RPS_PER_USER per user, ten times its limit, while
speech (tenant-b) asks QUIET_RPS, far under its own.  When the load stops, figures:

  quiet_p95_ratio        quiet p95 under load / quiet p95 alone
  quiet_throttled        quiet requests answered 429 (it never exceeds its limit)
  noisy_throttled_ratio  fraction of noisy requests answered 429 (it is far over its limit)
  server_errors          5xx answers or broken connections, either tenant
"""

import locust  # noqa: F401, I001  (first: gevent patches the standard library)

import random
import statistics
import time

import gevent
import requests
from locust import HttpUser, constant_throughput, events, task

try:
    from grader.load import figures
except ImportError:  # plain `locust -f` outside the grader: print the figures

    class figures:
        @staticmethod
        def report(name: str, value: float) -> None:
            print(f"figure {name} = {value}")


KEYS = {"tenant-a": "orbital-vision-7d1c2f", "tenant-b": "orbital-speech-52e90a"}
SOLO_REQUESTS = 100
SOLO_RPS = 40.0
QUIET_RPS = 10.0
NOISY_RPS_PER_USER = 25.0
NO_BASELINE = 99.0
"""The ratio reported when the quiet tenant could not even be measured alone."""

state: dict = {
    "solo": [],
    "quiet": [],
    "quiet_throttled": 0,
    "noisy": 0,
    "noisy_throttled": 0,
    "server_errors": 0,
}


def _features() -> list[float]:
    return [round(random.uniform(-3, 3), 6) for _ in range(8)]


def _headers(tenant: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {KEYS[tenant]}"}


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 20 else float("nan")


@events.test_start.add_listener
def measure_solo_baseline(environment, **kwargs) -> None:
    """Runs before any user starts: the quiet tenant alone on the gateway."""
    url = f"{environment.host.rstrip('/')}/v1/tenant-b/predict"
    with requests.Session() as session:
        for _ in range(SOLO_REQUESTS):
            started = time.perf_counter()
            try:
                r = session.post(
                    url, json={"features": _features()}, headers=_headers("tenant-b"), timeout=10
                )
                if r.status_code == 200:
                    state["solo"].append(time.perf_counter() - started)
            except requests.RequestException:
                pass
            gevent.sleep(max(0.0, 1 / SOLO_RPS - (time.perf_counter() - started)))


def _count(response, tenant: str) -> None:
    if response.status_code >= 500 or response.status_code == 0:
        state["server_errors"] += 1
        response.failure(f"{tenant} answered {response.status_code}")
    elif response.status_code == 429:
        if tenant == "tenant-a":
            state["noisy_throttled"] += 1
            response.success()  # the limit doing its job
        else:
            state["quiet_throttled"] += 1
            response.failure("the quiet tenant was throttled")
    elif response.status_code != 200:
        response.failure(f"{tenant} answered {response.status_code}")


class QuietSpeech(HttpUser):
    fixed_count = 1
    wait_time = constant_throughput(QUIET_RPS)

    @task
    def predict(self) -> None:
        started = time.perf_counter()
        with self.client.post(
            "/v1/tenant-b/predict",
            json={"features": _features()},
            headers=_headers("tenant-b"),
            name="quiet predict",
            catch_response=True,
        ) as response:
            if response.status_code == 200:
                state["quiet"].append(time.perf_counter() - started)
            _count(response, "tenant-b")


class NoisyVision(HttpUser):
    wait_time = constant_throughput(NOISY_RPS_PER_USER)

    @task
    def predict(self) -> None:
        with self.client.post(
            "/v1/tenant-a/predict",
            json={"features": _features()},
            headers=_headers("tenant-a"),
            name="noisy predict",
            catch_response=True,
        ) as response:
            state["noisy"] += 1
            _count(response, "tenant-a")


@events.test_stop.add_listener
def report(environment, **kwargs) -> None:
    solo, quiet = p95(state["solo"]), p95(state["quiet"])
    ratio = quiet / solo if solo > 0 and quiet == quiet else NO_BASELINE
    figures.report("quiet_p95_ratio", round(ratio, 3))
    figures.report("quiet_solo_p95_ms", round(solo * 1000, 2) if solo == solo else -1)
    figures.report("quiet_p95_ms", round(quiet * 1000, 2) if quiet == quiet else -1)
    figures.report("quiet_throttled", state["quiet_throttled"])
    figures.report("noisy_requests", state["noisy"])
    figures.report(
        "noisy_throttled_ratio",
        round(state["noisy_throttled"] / state["noisy"], 4) if state["noisy"] else 0.0,
    )
    figures.report("server_errors", state["server_errors"])
