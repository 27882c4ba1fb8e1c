"""Check group `circuit-breaker`: closed -> open after k failures -> one probe after the
reset timeout -> closed again (or open again).

Two levels: the CircuitBreaker class driven with a fake clock (through
gateway.probes.breaker_trace, sandboxed; verdicts here), and the live gateway, whose
calls to the model service are counted while the model is down.
"""

from __future__ import annotations

import time

from mesh_oracle import FAST_S, RESET_S, K, predict, predict_concurrently, wait_stable

from grader.checks.student_call import StudentCallError

CONCEPT = (
    f"A circuit breaker opens after k = {K} consecutive failed calls, answers with the "
    f"fallback without calling for {RESET_S:g} s, then lets exactly one probe through: "
    "success closes it, failure opens it again."
)


# ---------------------------------------------------------------- the class, fake clock


def trace(student_call, k: int, reset_s: float, steps: list[list]) -> list:
    try:
        out = student_call("gateway.probes:breaker_trace", k, reset_s, steps)
    except StudentCallError as exc:
        raise AssertionError(
            f"{str(exc)[:220]}. The contract: gateway.resilience.CircuitBreaker(failure_threshold, "
            "reset_timeout_s, clock) with allow() -> bool, record_success(), "
            "record_failure(); it reads the time only from clock(). " + CONCEPT
        ) from None
    return out


def allows(steps: list[list], out: list) -> list[bool]:
    return [r for s, r in zip(steps, out, strict=True) if s[0] == "allow"]


def test_class_opens_after_k_consecutive_failures(student_call):
    for k in (3, 5):
        steps = [["allow"]]
        steps += [["failure"], ["allow"]] * (k - 1)  # k-1 failures: still closed
        steps += [["success"], ["allow"]]  # a success resets the count
        steps += [["failure"], ["allow"]] * (k - 1)  # k-1 again: still closed
        steps += [["failure"], ["allow"], ["allow"]]  # the k-th consecutive: open
        got = allows(steps, trace(student_call, k, 10.0, steps))
        want = [True] * (2 * k) + [False, False]
        assert got == want, (
            f"with k = {k}, allow() answered {got} along: allow, (failure, allow) x {k - 1}, "
            f"success, allow, (failure, allow) x {k - 1}, failure, allow, allow; expected {want}: "
            f"closed until the {k}-th consecutive failure, open right after it. " + CONCEPT
        )


def test_class_lets_exactly_one_probe_through_after_the_reset_timeout(student_call):
    steps = [["failure"], ["failure"], ["allow"], ["tick", 4.9], ["allow"]]
    steps += [["tick", 0.2], ["allow"], ["allow"], ["allow"], ["tick", 0.5], ["allow"]]
    got = allows(steps, trace(student_call, 2, 5.0, steps))
    want = [False, False, True, False, False, False]
    assert got[:2] == want[:2], (
        f"k = 2, reset timeout 5 s: after 2 failures allow() gave {got[:2]} at +0 s and "
        "+4.9 s; the breaker must stay open (False) for the whole reset timeout. " + CONCEPT
    )
    assert got[2] is True, (
        "k = 2, reset timeout 5 s: at +5.1 s after opening, allow() still answered False: the "
        "breaker never half-opens, so the gateway would never find out that the dependency "
        "has recovered and would serve the fallback forever. " + CONCEPT
    )
    assert got[3:] == want[3:], (
        f"at +5.1 s the first allow() was True (the probe), but the next three answered "
        f"{got[3:]} while the probe's outcome was still unknown: half-open admits exactly one "
        "probe, everyone else keeps getting the fallback. " + CONCEPT
    )


def test_class_probe_outcome_closes_or_reopens(student_call):
    failed = [["failure"], ["failure"], ["tick", 5.1], ["allow"], ["failure"]]
    failed += [["allow"], ["tick", 4.8], ["allow"], ["tick", 0.3], ["allow"], ["allow"]]
    got = allows(failed, trace(student_call, 2, 5.0, failed))
    assert got == [True, False, False, True, False], (
        f"k = 2, reset 5 s: probe allowed, then the probe failed; allow() then gave {got[1:]} "
        "at +0 s, +4.8 s, +5.1 s (twice); expected [False, False, True, False]: a failed probe "
        "opens the breaker again for a full reset timeout, then allows one new probe. " + CONCEPT
    )
    ok = [["failure"], ["failure"], ["tick", 5.1], ["allow"], ["success"]]
    ok += [["allow"], ["allow"], ["failure"], ["allow"], ["allow"]]
    got = allows(ok, trace(student_call, 2, 5.0, ok))
    assert got == [True, True, True, True, True], (
        f"k = 2, reset 5 s: probe allowed, then the probe succeeded; allow() then gave "
        f"{got[1:]} (twice, then once after a single failure, twice); expected all True: "
        "a successful probe closes the breaker and restarts the failure count. " + CONCEPT
    )


# ---------------------------------------------------------------- the live gateway


def _until_open(http, faults, max_predictions: int = 30) -> tuple[int, int, float]:
    """Model down (fast 503): predict until a prediction sends no call to the model (the
    breaker is open, however it counts).  Returns (calls before it opened, predictions,
    the moment it was seen open); fails the test if it never opens."""
    faults.set("model", outage=True)
    for n in range(1, max_predictions + 1):
        before = faults.calls("model")
        answer = predict(http)
        if faults.calls("model") == before:
            return before, n, time.monotonic()
        if answer.status in (0, -1):
            break
    calls = faults.calls("model")
    raise AssertionError(
        f"with the model service down (503), {n} predictions in a row sent {calls} calls to "
        f"it ({calls / n:.1f} per prediction), and the gateway never stopped calling it: no "
        "circuit breaker opened. Every prediction keeps paying for the failed calls and the "
        "model that is trying to come back keeps getting the full traffic. " + CONCEPT
    )


def test_live_opens_after_k_failures_and_sends_nothing_while_open(healed, http, faults):
    calls, n, _ = _until_open(http, faults)
    assert calls == K, (
        f"with the model service down (503), the breaker opened after {calls} failed call(s) "
        f"({n - 1} prediction(s)); it must open after exactly k = {K} consecutive failed "
        "calls, every failed attempt counted, retries included. " + CONCEPT
    )
    quiet_until = time.monotonic() + 1.0
    open_answers = []
    while time.monotonic() < quiet_until:
        open_answers.append(predict(http))
    later = wait_stable(lambda: faults.calls("model"))
    assert later == K, (
        f"while the breaker should be open, {len(open_answers)} predictions in 1 s sent "
        f"{later - K} more call(s) to the model service that is down. " + CONCEPT
    )
    slow = [a for a in open_answers if not (a.degraded and a.seconds <= FAST_S)]
    assert not slow, (
        f"while the breaker is open, {len(slow)} of {len(open_answers)} predictions were not "
        f"a fast fallback (e.g. {slow[0].brief()}); an open breaker answers at once with the "
        "degraded default (200, degraded: true). " + CONCEPT
    )


def test_live_exactly_one_probe_after_the_reset_timeout(healed, http, faults, services):
    _, _, opened = _until_open(http, faults)
    # The model stays sick, and slow: the probe is in flight while ten callers arrive.
    faults.set("model", latency_ms=500, error_rate=1.0, error_status=503)
    time.sleep(max(0.0, opened + RESET_S + 0.25 - time.monotonic()))
    faults.reset_calls("model")
    answers = predict_concurrently(services.url("gateway"), 10)
    probes = wait_stable(lambda: faults.calls("model"))
    assert probes >= 1, (
        f"{RESET_S:g} s after the breaker opened, 10 predictions sent no call at all to the "
        "model: the breaker never half-opens, so the gateway can never notice that the model "
        "has recovered. " + CONCEPT
    )
    assert probes == 1, (
        f"{RESET_S:g} s after the breaker opened, 10 concurrent predictions sent {probes} calls "
        "to the model that is still failing: half-open must let exactly one probe through "
        "and keep answering the others with the fallback. " + CONCEPT
    )
    assert all(a.degraded for a in answers), (
        f"during the probe, callers got {[a.brief() for a in answers if not a.degraded][:2]}; "
        "the degraded default was expected. " + CONCEPT
    )
    until = time.monotonic() + 1.0
    while time.monotonic() < until:
        predict(http)
    again = wait_stable(lambda: faults.calls("model"))
    assert again == 1, (
        f"the probe failed, yet the next second of predictions sent {again - 1} more call(s) "
        "to the model: a failed probe opens the breaker again for a full reset timeout. " + CONCEPT
    )


def test_live_successful_probe_closes_the_breaker(healed, http, faults):
    _, _, opened = _until_open(http, faults)
    faults.clear("model")  # the model recovers while the breaker is open
    time.sleep(max(0.0, opened + RESET_S + 0.25 - time.monotonic()))
    answers = [predict(http) for _ in range(6)]
    assert all(a.healthy for a in answers), (
        f"the model recovered and {RESET_S:g} s passed since the breaker opened, but the "
        f"predictions answered {[a.brief() for a in answers][:3]}: the first call after the "
        "reset timeout is the probe, its success closes the breaker, and real scores "
        "(degraded: false) follow. " + CONCEPT
    )
