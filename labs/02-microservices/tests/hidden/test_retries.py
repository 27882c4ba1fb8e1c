"""Check group `retry-budget`: retries in one layer, within a budget, never for a
non-idempotent call.

The model and the feature service are idempotent: a failed call may be retried, at
most MAX_RETRIES times per call.  Retries in two layers multiply (3 x 3 = 9 calls per
request): under an outage the struggling service gets nine times the traffic
exactly when it can least take it.  POST /records to monitoring is not idempotent.
"""

from __future__ import annotations

from mesh_oracle import MAX_RETRIES, predict, wait_stable

BUDGET = 1 + MAX_RETRIES
CONCEPT = (
    f"Retry in one layer only, at most {MAX_RETRIES} time(s) per call: nested retry loops "
    "multiply (3 x 3 = 9 calls per request) and turn a brownout into an outage."
)


def _failing_dependency(http, faults, service: str, n: int) -> int:
    faults.set(service, error_rate=1.0, error_status=503)
    answers = [predict(http) for _ in range(n)]
    calls = wait_stable(lambda: faults.calls(service))
    faults.clear(service)
    assert all(a.status != 0 for a in answers), "the gateway did not answer within 10 s"
    return calls


def test_failing_model_calls_stay_within_the_retry_budget(healed, http, faults):
    n = 2
    calls = _failing_dependency(http, faults, "model", n)
    assert calls <= n * BUDGET, (
        f"with the model answering 503, {n} predictions caused {calls} calls to it: "
        f"{calls / n:g} per prediction, the budget is {BUDGET} (1 + MAX_RETRIES). " + CONCEPT
    )
    assert calls > n, (
        f"with the model answering 503, {n} predictions caused {calls} calls to it: a failed "
        "call to an idempotent service was never retried. One retry after a short, jittered "
        "backoff rides out a transient error."
    )


def test_failing_feature_calls_stay_within_the_retry_budget(healed, http, faults):
    n = 2
    calls = _failing_dependency(http, faults, "features", n)
    assert calls <= n * BUDGET, (
        f"with the feature service answering 503, {n} predictions caused {calls} calls to it: "
        f"{calls / n:g} per prediction, the budget is {BUDGET}. " + CONCEPT
    )


def test_failing_model_is_not_called_once_the_features_failed(healed, http, faults):
    """A request that cannot succeed should not spend the model's capacity."""
    faults.set("features", outage=True)
    answers = [predict(http) for _ in range(3)]
    calls = wait_stable(lambda: faults.calls("model"))
    faults.clear("features")
    assert all(a.degraded for a in answers), (
        "with the feature service down, predictions answered "
        f"{[a.brief() for a in answers]}; expected the degraded default (200, degraded: true)"
    )
    assert calls == 0, (
        f"with the feature service down, the model still received {calls} call(s): without "
        "features there is nothing to score, so answer with the fallback at once."
    )


def test_monitoring_records_are_never_retried(healed, http, faults):
    n = 5
    faults.set("monitoring", error_rate=1.0, error_status=503)
    answers = [predict(http) for _ in range(n)]
    calls = wait_stable(lambda: faults.calls_by_path("monitoring").get("/records", 0), 0.5)
    faults.clear("monitoring")
    assert calls <= n, (
        f"with monitoring answering 503, {n} predictions sent {calls} POST /records calls: "
        f"{calls / n:g} per prediction. POST /records is not idempotent (each call stores a "
        "record), and an error or a timeout does not prove the record was not stored: a "
        "retry can count a prediction twice. Send each record at most once (fire and "
        "forget), or make the call idempotent first."
    )
    assert all(a.healthy for a in answers), (
        "with monitoring answering 503 (features and model healthy), predictions answered "
        f"{[a.brief() for a in answers][:3]}: monitoring is not needed for an answer, so "
        "its failure must neither fail nor degrade a prediction."
    )
