"""Load scenario for lab 01: feature reads while rides stream in, and a batch swap mid-run.

Each Locust user posts rides (some of them late: taken up to six days ago) for a
pool of riders and, three times as often, reads their features for a few windows.
At SWAP_AT_S after the start, a background greenlet publishes a batch view whose
watermark sits right on rides this scenario posted (the cut runs through the middle
of the stream, as a nightly batch run does).

Every ride is remembered with the day it happened, when its POST was sent and when
it was accepted.  An answer read after the swap is *wrong* when it is below the
rides of that window accepted more than LAG_S before the read was sent (the speed
layer must have them by then) or above the rides whose POST had started by the time
the answer came back (nothing else exists).  Reported figures:

  wrong_answers      wrong answers after the swap (a gate: any wrong answer costs the
                     load points)
  batch_swap_failed  1 when the mid-run POST /batch/publish failed or never ran
  answers_checked    answers judged after the swap
  wrong_before_swap  wrong answers before the swap (for information)
  swap_s             how long the publish took
"""

import locust  # noqa: F401, I001  (first: gevent patches the standard library)

import random
import time
import uuid
from collections import defaultdict

import gevent
import requests
from locust import HttpUser, constant_throughput, events, task

try:
    from grader.load import figures
except ImportError:  # plain `locust -f` outside the grader: print the figures instead

    class figures:
        @staticmethod
        def report(name: str, value: float) -> None:
            print(f"figure {name} = {value}")


DAY_S = 86_400
SWAP_AT_S = 5.0
LAG_S = 2.0
RUN = uuid.uuid4().hex[:8]
RIDERS = [f"load-{RUN}-{i:02d}" for i in range(30)]


class Ride:
    __slots__ = ("accepted", "day", "offset", "partition", "sent")

    def __init__(self, day: int, sent: float) -> None:
        self.day = day
        self.sent = sent
        self.accepted: float | None = None
        self.partition = -1
        self.offset = -1


rides: dict[str, list[Ride]] = defaultdict(list)
state = {"swap_done": None, "swap_failed": 1, "swap_s": 0.0}
tally = {"checked": 0, "wrong": 0, "wrong_before": 0}
examples: list[str] = []


def _day(t: float) -> int:
    return int(t // DAY_S)


def _iso(day: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(day * DAY_S))


def _judge(rider: str, day: int, days: int, got: int, sent: float, received: float) -> None:
    mine = [r for r in rides[rider] if day - days < r.day <= day]
    low = sum(1 for r in mine if r.accepted is not None and r.accepted <= sent - LAG_S)
    high = sum(1 for r in mine if r.sent <= received)
    if low <= got <= high:
        if state["swap_done"] is not None and sent > state["swap_done"]:
            tally["checked"] += 1
        return
    if state["swap_done"] is not None and sent > state["swap_done"]:
        tally["checked"] += 1
        tally["wrong"] += 1
        if len(examples) < 3:
            examples.append(
                f"{rider} {_iso(day)} days={days}: served {got}, expected {low}..{high}"
            )
    else:
        tally["wrong_before"] += 1


class Rider(HttpUser):
    wait_time = constant_throughput(4)

    @task(1)
    def post_ride(self) -> None:
        rider = random.choice(RIDERS)
        now = time.time()
        age = random.uniform(0, 1800) if random.random() < 0.6 else random.uniform(0, 6 * DAY_S)
        ride = Ride(_day(now - age), time.monotonic())
        rides[rider].append(ride)
        with self.client.post(
            "/events",
            json={"user_id": rider, "event_time": now - age},
            name="post ride",
            catch_response=True,
        ) as response:
            if response.status_code // 100 == 2:
                body = response.json()
                ride.accepted = time.monotonic()
                ride.partition, ride.offset = body["partition"], body["offset"]
            else:
                response.failure(f"POST /events answered {response.status_code}")

    @task(3)
    def read_features(self) -> None:
        rider = random.choice(RIDERS)
        today = _day(time.time())
        day, days = random.choice([(today, 1), (today, 3), (today, 7), (today - 2, 3)])
        sent = time.monotonic()
        with self.client.get(
            f"/features/{rider}",
            params={"date": _iso(day), "days": days},
            name="features",
            catch_response=True,
        ) as response:
            received = time.monotonic()
            if response.status_code != 200:
                response.failure(f"GET /features answered {response.status_code}")
                return
            _judge(rider, day, days, int(response.json()["rides"]), sent, received)


def _swap(host: str) -> None:
    """Publish a batch view whose watermark sits on rides this scenario posted."""
    try:
        speed = requests.get(f"{host}/status", timeout=10).json()["speed"]
        watermark = {int(p): int(o) for p, o in speed.items()}
        for p, end in list(watermark.items()):
            ours = [
                r.offset
                for rs in list(rides.values())
                for r in rs
                if r.partition == p and 0 <= r.offset < end
            ]
            if ours:
                watermark[p] = max(ours)  # that ride sits right on the boundary
        started = time.monotonic()
        r = requests.post(
            f"{host}/batch/publish",
            json={"watermark": {str(p): o for p, o in watermark.items()}},
            timeout=60,
        )
        state["swap_s"] = time.monotonic() - started
        if r.status_code // 100 == 2:
            state["swap_done"] = time.monotonic()
            state["swap_failed"] = 0
    except (requests.RequestException, ValueError, KeyError):
        pass


@events.test_start.add_listener
def schedule_swap(environment, **kwargs) -> None:
    gevent.spawn_later(SWAP_AT_S, _swap, environment.host)


@events.test_stop.add_listener
def report(environment, **kwargs) -> None:
    figures.report("wrong_answers", tally["wrong"])
    figures.report("batch_swap_failed", state["swap_failed"])
    figures.report("answers_checked", tally["checked"])
    figures.report("wrong_before_swap", tally["wrong_before"])
    figures.report("swap_s", round(state["swap_s"], 3))
    for line in examples:
        print(f"wrong answer after the swap: {line}", flush=True)
