"""Check group `backoff`: backoff_delay(attempt, base, cap, rng) is capped exponential
backoff with jitter.

The function runs in your code (sandboxed, through gateway.probes.backoff_delays) with
a scripted random-number generator; the verdict is computed here.
"""

from __future__ import annotations

import random

from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from grader.checks.student_call import StudentCallError

CONCEPT = (
    "The n-th retry waits a random time in [0, min(cap, base * 2**n)]: exponential, capped, "
    "and jittered so clients that failed together do not retry in lockstep."
)


def bound(case: dict) -> float:
    return min(case["cap"], case["base"] * 2.0 ** case["attempt"])


def delays(student_call, cases: list[dict]) -> list[float]:
    try:
        out = student_call("gateway.probes:backoff_delays", cases)
    except StudentCallError as exc:
        raise AssertionError(
            f"{str(exc)[:220]}. The contract: gateway.resilience.backoff_delay(attempt, base, "
            "cap, rng) returns seconds (a float) and draws its randomness from rng "
            "(a random.Random)."
        ) from None
    assert isinstance(out, list) and len(out) == len(cases), f"unexpected result {out!r}"
    return out


def _assert_within(cases: list[dict], got: list[float]) -> None:
    for case, delay in zip(cases, got, strict=True):
        assert 0 <= delay <= bound(case) + 1e-9, (
            f"backoff_delay(attempt={case['attempt']}, base={case['base']:g}, "
            f"cap={case['cap']:g}) with rng.random() = {case['rng'][0]:g} returned {delay:g}, "
            f"outside [0, {bound(case):g}]. " + CONCEPT
        )


def test_delays_stay_within_the_capped_exponential_bound(student_call):
    rng = random.Random(2024)
    cases = [
        {"attempt": a, "base": b, "cap": c, "rng": [u]}
        for a in (0, 1, 2, 3, 5, 8, 12, 20, 40, 100)
        for b, c in ((0.05, 1.0), (0.2, 3.0), (1.0, 30.0))
        for u in (0.0, 0.999999, rng.random())
    ]
    _assert_within(cases, delays(student_call, cases))


case_st = st.fixed_dictionaries(
    {
        "attempt": st.integers(min_value=0, max_value=100),
        "base": st.floats(min_value=0.001, max_value=2.0),
        "cap": st.floats(min_value=0.01, max_value=60.0),
        "rng": st.lists(st.floats(min_value=0.0, max_value=0.999999), min_size=4, max_size=4),
    }
)


# No shrinking: each example is a sandboxed call; a failing example is reported as found.
@settings(max_examples=3, deadline=None, phases=[Phase.explicit, Phase.generate])
@given(cases=st.lists(case_st, min_size=40, max_size=40))
def test_delays_within_bounds_property(student_call, cases):
    _assert_within(cases, delays(student_call, cases))


def test_delays_are_jittered(student_call):
    cases = [{"attempt": 3, "base": 0.1, "cap": 10.0, "rng": [u]} for u in (0.1, 0.4, 0.7, 0.95)]
    got = delays(student_call, cases)
    assert len({round(d, 9) for d in got}) >= 3, (
        f"backoff_delay(3, 0.1, 10) gave {got} for four different random draws: the delay does "
        "not depend on rng. Without jitter, every client that failed at the same moment "
        "retries at the same moment (a synchronized retry storm). " + CONCEPT
    )


def test_delays_grow_exponentially_up_to_the_cap(student_call):
    cases = [{"attempt": n, "base": 0.05, "cap": 1.0, "rng": [0.999]} for n in range(9)]
    got = delays(student_call, cases)
    for case, delay in zip(cases, got, strict=True):
        assert delay >= 0.5 * bound(case), (
            f"with the random draw near its top (0.999), backoff_delay(attempt={case['attempt']}, "
            f"base=0.05, cap=1) returned {delay:g}; the ceiling there is {bound(case):g}. The "
            "delays should reach up to min(cap, base * 2**attempt): a backoff that does not "
            "grow keeps hammering a dependency that stays down. " + CONCEPT
        )
