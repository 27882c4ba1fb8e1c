"""Load scenario for lab 02: steady traffic through a healthy, a faulty and a recovered phase.

Ten callers each ask for a prediction three times a second; a caller gives up on
an answer after 1.5 s (a checkout page cannot wait longer).  The grader flips the
model service's switches during the measured part (lab.toml, [[load.fault]]): slow
(2 s) from 6 s, down (503) from 10 s, healthy again from 14 s.  The timeline is
read from lab.toml, so the two never disagree.

Every answer is recorded here with its start time, and a background greenlet samples
the model service's call counter, so each phase is scored on its own:

  healthy_p95_ms, healthy_error_ratio     before the fault
  fault_p95_ms, fault_error_ratio         from 1 s after the fault began until it cleared
  fault_model_calls_per_request           calls the model received per prediction, same window
  recovery_s                              from the clear until the first of 10 consecutive
                                          real (200, degraded: false) answers
"""

import locust  # noqa: F401, I001  (first: gevent patches the standard library)

import contextlib
import random
import time
import tomllib
from pathlib import Path

import gevent
from locust import HttpUser, constant_throughput, events, task

try:
    from grader.load import context, figures
except ImportError:  # plain `locust -f` outside the grader: print the figures instead
    context = None

    class figures:
        @staticmethod
        def report(name: str, value: float) -> None:
            print(f"figure {name} = {value}")


CALLER_TIMEOUT_S = 1.5
GRACE_S = 1.0  # a breaker needs k failures to notice: the first second is not scored
HEALTHY_STREAK = 10
FAULTY = "model"
ENTITIES = [f"cust-{i:04d}" for i in range(500)]


def _timeline() -> tuple[float, float]:
    """(fault start, clear) in seconds of the measured part, from this load's faults."""
    manifest = tomllib.loads((Path(__file__).parents[1] / "lab.toml").read_text())
    here = Path(__file__).name
    load = next(lo for lo in manifest["load"] if Path(lo["locustfile"]).name == here)
    faults = [f for f in load.get("fault", []) if f["service"] == FAULTY]
    start = min(f["at_s"] for f in faults if f["action"] != "clear")
    clear = max(f["at_s"] for f in faults if f["action"] == "clear")
    return float(start), float(clear)


FAULT_AT_S, CLEAR_AT_S = _timeline()

answers: list[tuple[float, float, bool, bool]] = []  # (start, seconds, ok, real answer)
samples: list[tuple[float, int]] = []  # (time, calls the model service has received)


class Caller(HttpUser):
    wait_time = constant_throughput(3)

    @task
    def predict(self) -> None:
        started = time.time()
        with self.client.post(
            "/predict",
            json={"entity_id": random.choice(ENTITIES)},
            name="predict",
            timeout=CALLER_TIMEOUT_S,
            catch_response=True,
        ) as response:
            ok, real = response.status_code == 200, False
            if ok:
                try:
                    real = response.json().get("degraded") is False
                except ValueError:
                    ok = False
            if not ok:
                response.failure(f"POST /predict: {response.status_code or 'no answer in 1.5 s'}")
        answers.append((started, time.time() - started, ok, real))


def _sample_calls() -> None:
    switches = context.faults()
    while True:
        with contextlib.suppress(Exception):  # a missed sample only coarsens the figure
            samples.append((time.time(), switches.calls(FAULTY)))
        gevent.sleep(0.2)


@events.test_start.add_listener
def start_sampler(environment, **kwargs) -> None:
    if context is not None:
        gevent.spawn(_sample_calls)


def _p95_ms(durations: list[float]) -> float:
    if not durations:
        return 0.0
    ordered = sorted(durations)
    return 1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def _calls_at(t: float) -> int | None:
    before = [calls for when, calls in samples if when <= t]
    return before[-1] if before else None


def _phase(rows: list[tuple[float, float, bool, bool]], prefix: str) -> None:
    if not rows:
        return
    figures.report(f"{prefix}_p95_ms", round(_p95_ms([seconds for _, seconds, _, _ in rows]), 1))
    figures.report(f"{prefix}_error_ratio", round(sum(not ok for *_, ok, _ in rows) / len(rows), 4))
    figures.report(f"{prefix}_requests", len(rows))


@events.test_stop.add_listener
def report_phases(environment, **kwargs) -> None:
    t0 = environment.stats.total.start_time  # reset when the measured part began
    ended = time.time()
    fault_from, fault_to, clear = t0 + FAULT_AT_S + GRACE_S, t0 + CLEAR_AT_S, t0 + CLEAR_AT_S
    rows = sorted(a for a in answers if a[0] >= t0)
    _phase([a for a in rows if a[0] < t0 + FAULT_AT_S], "healthy")
    if ended < clear:  # a smoke run: no fault was injected, only the healthy phase exists
        return
    window = [a for a in rows if fault_from <= a[0] < fault_to]
    _phase(window, "fault")
    calls_from, calls_to = _calls_at(fault_from), _calls_at(fault_to)
    if window and calls_from is not None and calls_to is not None:
        figures.report(
            "fault_model_calls_per_request", round((calls_to - calls_from) / len(window), 3)
        )
    after = [a for a in rows if a[0] >= clear]
    recovered = None
    for i in range(len(after) - HEALTHY_STREAK + 1):
        if all(real for *_, real in after[i : i + HEALTHY_STREAK]):
            recovered = after[i][0] - clear
            break
    figures.report("recovery_s", round(ended - clear if recovered is None else recovered, 2))
    figures.report("degraded_after_recovery", sum(not real for *_, real in after))
