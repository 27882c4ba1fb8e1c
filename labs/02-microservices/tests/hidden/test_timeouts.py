"""Check group `timeouts-fallback`: a slow or dead dependency gives a fast, degraded answer.

The whole group runs with the model service answering after 2 s (lab.toml,
[[check.fault]]).  Without a timeout the gateway waits as long as the slowest
dependency, and every waiting request holds a connection, memory and a caller.
"""

from __future__ import annotations

from mesh_oracle import (
    BOUND_S,
    DEADLINE_S,
    FALLBACK_SCORE,
    Answer,
    predict,
    predict_concurrently,
)

CONCEPT = (
    f"Every call needs a timeout and the request a deadline ({DEADLINE_S:g} s): a quick, "
    "clearly marked default (200, degraded: true, the fallback score) beats a late answer "
    "or a 500."
)


def _assert_bounded_fallback(answers: list[Answer], situation: str) -> None:
    for a in answers:
        _assert_one(a, situation)


def _predict_n(http, n: int, situation: str) -> None:
    """Judge each answer as it comes: a gateway that waits fails on the first one."""
    for _ in range(n):
        _assert_one(predict(http), situation)


def _assert_one(a: Answer, situation: str) -> None:
    assert a.status != 0 and a.seconds <= BOUND_S, (
        f"{situation}, a prediction took {a.seconds:.2f} s "
        f"(allowed: {BOUND_S:g} s = the {DEADLINE_S:g} s deadline plus slack): {a.brief()}. "
        + CONCEPT
    )
    assert a.status == 200, (
        f"{situation}, a prediction answered {a.brief()} instead of 200 with the "
        "degraded default prediction. " + CONCEPT
    )
    assert a.body.get("degraded") is True, (
        f"{situation}, a prediction was not marked degraded: {a.brief()}. Callers must "
        "be able to tell a real score from the fallback (degraded: true)."
    )
    assert a.body.get("score") == FALLBACK_SCORE, (
        f"{situation}, the degraded answer's score was {a.body.get('score')!r}; the "
        f"contract's fallback score is {FALLBACK_SCORE:g} (FALLBACK_SCORE)."
    )


def test_slow_model_gives_a_bounded_degraded_answer(http):
    _predict_n(http, 4, "with the model service answering after 2 s")


def test_concurrent_requests_are_all_bounded(services):
    """Ten callers at once: nothing may queue behind a slow call."""
    answers = predict_concurrently(services.url("gateway"), 10)
    _assert_bounded_fallback(answers, "with the model slow and 10 concurrent callers")


def test_slow_features_give_a_bounded_degraded_answer(http, faults):
    with faults.injected("features", latency_ms=2000):
        _predict_n(http, 3, "with the feature service answering after 2 s")


def test_model_outage_gives_the_fallback_not_an_error(http, faults):
    try:
        faults.set("model", outage=True)
        _predict_n(http, 4, "with the model service down (503)")
    finally:
        faults.set("model", latency_ms=2000)  # this group's fault, for the tests after


def test_feature_errors_give_the_fallback_not_an_error(http, faults):
    with faults.injected("features", error_rate=1.0, error_status=500):
        _predict_n(http, 4, "with the feature service answering 500")
