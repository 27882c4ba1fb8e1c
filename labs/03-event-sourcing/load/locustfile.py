"""Load scenario for lab 03: steady ingest plus as-of queries, through a projector crash.

Each user posts events at a steady pace to a pool of accounts and asks as-of
questions.  The grader kill-restarts the projector in the middle of the run (see
lab.toml).  Every event the API accepted (201) is remembered here; when the load
stops, GET /accounts is polled until it equals those accepted events, and two
figures are reported:

  mismatched_accounts  accounts whose projected state differs from the accepted events
  drain_s              seconds after the load stopped until the projection matched
"""

import locust  # noqa: F401, I001  (first: gevent patches the standard library)

import random
import time
import uuid
from collections import defaultdict

import requests
from locust import HttpUser, constant_throughput, events, task

try:
    from grader.load import figures
except ImportError:  # plain `locust -f` outside the grader: print the figures instead

    class figures:
        @staticmethod
        def report(name: str, value: float) -> None:
            print(f"figure {name} = {value}")


SIGN = {"deposit": 1, "withdrawal": -1, "fee": -1}
RUN = uuid.uuid4().hex[:8]
ACCOUNTS = [f"load-{RUN}-{i:03d}" for i in range(40)]

accepted: dict[str, dict] = defaultdict(lambda: {"balance": 0, "n_events": 0})
uncertain: set[str] = set()  # a POST that failed or was cut off: we cannot know if it landed


class Customer(HttpUser):
    wait_time = constant_throughput(4)

    @task(3)
    def post_event(self) -> None:
        account = random.choice(ACCOUNTS)
        kind = random.choice(["deposit", "deposit", "withdrawal", "fee"])
        amount = random.randint(1, 50_000)
        body = {
            "account_id": account,
            "type": kind,
            "amount": amount,
            "event_time": time.time() - random.uniform(0, 5),
        }
        try:
            with self.client.post(
                "/events", json=body, name="post event", catch_response=True
            ) as response:
                if response.status_code // 100 == 2:
                    state = accepted[account]
                    state["balance"] += SIGN[kind] * amount
                    state["n_events"] += 1
                else:
                    uncertain.add(account)
                    response.failure(f"POST /events answered {response.status_code}")
        except BaseException:  # includes GreenletExit when the run stops mid-request
            uncertain.add(account)
            raise

    @task(1)
    def as_of_query(self) -> None:
        account = random.choice(ACCOUNTS)
        self.client.get(
            f"/accounts/{account}",
            params={"as_of": time.time() - random.uniform(0, 30)},
            name="as-of query",
        )


def _mismatched(host: str) -> int | None:
    try:
        body = requests.get(f"{host}/accounts", timeout=5).json()
    except (requests.RequestException, ValueError):
        return None
    seen = {a["account_id"]: a for a in body.get("accounts", [])}
    bad = 0
    for account, want in accepted.items():
        if account in uncertain:
            continue
        got = seen.get(account)
        if got is None or (got["balance"], got["n_events"]) != (want["balance"], want["n_events"]):
            bad += 1
    return bad


@events.test_stop.add_listener
def check_final_state(environment, **kwargs) -> None:
    """Poll until the projection equals the accepted events, or stops changing for 3 s."""
    stopped = time.monotonic()
    last, last_change = _mismatched(environment.host), stopped
    while last != 0 and time.monotonic() - stopped < 25:
        time.sleep(0.2)
        now = _mismatched(environment.host)
        if now != last:
            last, last_change = now, time.monotonic()
        elif time.monotonic() - last_change >= 3:
            break
    drain = (time.monotonic() if last == 0 else last_change) - stopped
    figures.report("mismatched_accounts", len(accepted) if last is None else last)
    figures.report("drain_s", round(drain, 2) if last == 0 else max(drain, 20.0))
    figures.report("uncertain_accounts", len(uncertain))
