"""The grader's adapters to `gateway.resilience` (part of the contract: do not change).

The grader calls these in a sandboxed process with plain data (JSON) and judges the
data they return.  They inject a scripted random-number generator and a fake clock,
so your `backoff_delay` and `CircuitBreaker` are tested without sleeping.
"""

from __future__ import annotations

import random


class ScriptedRandom(random.Random):
    """A `random.Random` whose `random()` returns the given values in turn (cycling).

    Everything built on `random()` (uniform, triangular, ...) follows the script.
    """

    def __init__(self, values: list[float]) -> None:
        super().__init__(0)
        self.values = list(values) or [0.5]
        self.i = 0

    def random(self) -> float:
        value = self.values[self.i % len(self.values)]
        self.i += 1
        return value


def backoff_delays(cases: list[dict]) -> list[float]:
    """For each {attempt, base, cap, rng}: backoff_delay(...) with a scripted RNG."""
    from gateway.resilience import backoff_delay

    return [
        float(backoff_delay(c["attempt"], c["base"], c["cap"], ScriptedRandom(c["rng"])))
        for c in cases
    ]


def breaker_trace(failure_threshold: int, reset_timeout_s: float, steps: list[list]) -> list:
    """Drive a CircuitBreaker with a fake clock; one result per step.

    Steps: ["tick", seconds] advances the clock; ["allow"] -> allow() (a bool);
    ["success"] / ["failure"] -> record_success() / record_failure() (None).
    """
    from gateway.resilience import CircuitBreaker

    now = [1000.0]
    breaker = CircuitBreaker(failure_threshold, reset_timeout_s, clock=lambda: now[0])
    out: list = []
    for step in steps:
        kind = step[0]
        if kind == "tick":
            now[0] += float(step[1])
            out.append(None)
        elif kind == "allow":
            out.append(bool(breaker.allow()))
        elif kind == "success":
            out.append(breaker.record_success())
        elif kind == "failure":
            out.append(breaker.record_failure())
        else:
            raise ValueError(f"unknown step {step!r}")
    return out
