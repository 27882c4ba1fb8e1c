"""Load scenario for lab 05: audited credit decisions, through a crash of the api.

Each user asks for decisions at a steady pace.  The grader kills the api (SIGKILL)
in the middle of the run and restarts it (see lab.toml).  Every answered prediction
is remembered; when the load stops, these figures are reported:

  responses_without_id   successful answers that carry no prediction_id
  missing_audit_records  answered predictions whose audit record cannot be found
  replay_mismatches      sampled predictions whose replay differs from the answer
"""

import locust  # noqa: F401, I001  (first: gevent patches the standard library)

import random
import time
import uuid

import requests
from locust import HttpUser, constant_throughput, events, task

try:
    from grader.load import context, figures

    API = context.url("api")
except ImportError:  # plain `locust -f` outside the grader: print the figures instead
    import os

    API = os.environ.get("API_URL", "http://127.0.0.1:8000")

    class figures:
        @staticmethod
        def report(name: str, value: float) -> None:
            print(f"figure {name} = {value}")


REGIONS = ["CE", "EA", "IS", "NO", "SO", "WE"]
REPLAY_SAMPLE = 20

answered: dict[str, tuple[float, str]] = {}
without_id = 0


def applicant() -> dict:
    income = random.randrange(9_000, 160_000, 100)
    return {
        "applicant_id": f"load-{uuid.uuid4().hex[:10]}",
        "age": random.randint(19, 75),
        "income": income,
        "debt": random.randrange(0, income, 100),
        "years_employed": random.randint(0, 40),
        "region": random.choice(REGIONS),
        "home_owner": random.randint(0, 1),
    }


class Officer(HttpUser):
    """A loan officer's front end asking for decisions."""

    host = API
    wait_time = constant_throughput(4)

    @task
    def decide(self) -> None:
        global without_id
        with self.client.post(
            f"{API}/predict", json=applicant(), name="predict", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"POST /predict answered {response.status_code}")
                return
            try:
                body = response.json()
                answered[body["prediction_id"]] = (float(body["probability"]), body["decision"])
            except (ValueError, KeyError, TypeError):
                without_id += 1
                response.failure("a decision without a prediction_id")


def _wait_for_api(timeout_s: float = 40) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{API}/health", timeout=5).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.5)
    return False


@events.test_stop.add_listener
def check_audit(environment, **kwargs) -> None:
    figures.report("responses_without_id", without_id)
    figures.report("answered", len(answered))
    if not _wait_for_api():
        figures.report("missing_audit_records", len(answered))
        figures.report("replay_mismatches", REPLAY_SAMPLE)
        return
    session = requests.Session()
    missing = 0
    for prediction_id, output in answered.items():
        try:
            r = session.get(f"{API}/predictions/{prediction_id}", timeout=10)
            found = r.status_code == 200 and r.json().get("prediction_id") == prediction_id
            if found:
                got = r.json().get("output") or {}
                found = (float(got.get("probability", -1)), got.get("decision")) == output
        except (requests.RequestException, ValueError):
            found = False
        missing += not found
    figures.report("missing_audit_records", missing)
    mismatches = 0
    sample = random.sample(sorted(answered), min(REPLAY_SAMPLE, len(answered)))
    for prediction_id in sample:
        try:
            r = session.post(f"{API}/predictions/{prediction_id}/replay", timeout=30)
            got = r.json()["output"] if r.status_code == 200 else {}
            same = (float(got.get("probability", -1)), got.get("decision")) == answered[
                prediction_id
            ]
        except (requests.RequestException, ValueError, KeyError, TypeError):
            same = False
        mismatches += not same
    figures.report("replay_mismatches", mismatches)
