"""Scoring: partial credit for check groups, linear curves for load thresholds."""

from __future__ import annotations

import pytest

from grader import score
from grader.lab.manifest import CheckSpec, LoadSpec, Threshold
from grader.result import EndpointStats, LoadStats
from grader.result import TestOutcome as Outcome  # aliased: pytest would collect Test*


def check(points: float = 10) -> CheckSpec:
    return CheckSpec(name="c", title="C", concept="c", tests=["tests/hidden"], points=points)


def threshold(**kw) -> Threshold:
    return Threshold(**({"figure": "p95_ms", "good": 100, "bad": 500} | kw))


def load(thresholds: list[Threshold], points: float = 20) -> LoadSpec:
    return LoadSpec(
        name="l",
        title="L",
        concept="l",
        locustfile="load/locustfile.py",
        users=1,
        spawn_rate=1,
        duration_s=1,
        points=points,
        threshold=thresholds,
    )


# -- curve -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(50, 1.0), (100, 1.0), (300, 0.5), (400, 0.25), (500, 0.0), (900, 0.0)],
)
def test_curve_lower_is_better(value, expected):
    assert score.curve(value, good=100, bad=500) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2000, 1.0), (1000, 1.0), (550, 0.5), (100, 0.0), (0, 0.0), (775, 0.75)],
)
def test_curve_higher_is_better(value, expected):
    assert score.curve(value, good=1000, bad=100) == pytest.approx(expected)


def test_curve_of_missing_value_is_zero():
    assert score.curve(None, good=100, bad=500) == 0.0
    assert score.curve(None, good=1000, bad=100) == 0.0


def test_curve_is_always_within_zero_and_one():
    for value in range(-1000, 3000, 37):
        for good, bad in ((100, 500), (500, 100), (0, 1)):
            assert 0.0 <= score.curve(value, good, bad) <= 1.0


# -- check_points ------------------------------------------------------------------


def test_check_points_partial_credit():
    tests = [Outcome("a", "passed"), Outcome("b", "failed"), Outcome("c", "passed")]
    assert score.check_points(check(9), tests) == 6.0


def test_check_points_all_passed_and_none_passed():
    assert score.check_points(check(10), [Outcome("a", "passed")] * 4) == 10.0
    assert score.check_points(check(10), [Outcome("a", "failed")] * 4) == 0.0


@pytest.mark.parametrize("outcome", ["skipped", "not_run", "error", "timeout", "failed"])
def test_only_passed_counts(outcome):
    tests = [Outcome("a", "passed"), Outcome("b", outcome)]
    assert score.check_points(check(10), tests) == 5.0


def test_check_points_with_no_tests_is_zero():
    assert score.check_points(check(10), []) == 0.0


def test_check_points_rounds():
    tests = [Outcome("a", "passed"), Outcome("b", "failed"), Outcome("c", "failed")]
    assert score.check_points(check(10), tests) == 3.3333


# -- figure_value ------------------------------------------------------------------

STATS = LoadStats(requests=100, rps=50.0, p95_ms=120.0, fail_ratio=0.01)
ENDPOINTS = [
    EndpointStats(name="add", method="POST", p95_ms=300.0, rps=20.0),
    EndpointStats(name="/total", method="GET", p95_ms=40.0, rps=30.0),
]


def test_figure_value_whole_run():
    assert score.figure_value(threshold(), STATS, ENDPOINTS, {}) == 120.0
    assert score.figure_value(threshold(figure="requests"), STATS, ENDPOINTS, {}) == 100.0


def test_figure_value_endpoint_by_name():
    assert score.figure_value(threshold(endpoint="add"), STATS, ENDPOINTS, {}) == 300.0
    assert score.figure_value(threshold(endpoint="/total"), STATS, ENDPOINTS, {}) == 40.0


def test_figure_value_endpoint_by_method_and_name():
    value = score.figure_value(threshold(figure="rps", endpoint="GET /total"), STATS, ENDPOINTS, {})
    assert value == 30.0
    assert score.figure_value(threshold(endpoint="GET add"), STATS, ENDPOINTS, {}) is None


def test_figure_value_unknown_endpoint_is_none():
    assert score.figure_value(threshold(endpoint="missing"), STATS, ENDPOINTS, {}) is None


def test_figure_value_custom_figure():
    t = threshold(figure="lost_adds", good=0, bad=1)
    assert score.figure_value(t, STATS, ENDPOINTS, {"lost_adds": 3.0}) == 3.0
    assert score.figure_value(t, STATS, ENDPOINTS, {}) is None


# -- load_points -------------------------------------------------------------------


def test_load_points_weighted_average():
    spec = load(
        [
            threshold(good=100, bad=500, weight=3),  # p95 120 -> 0.95
            threshold(figure="rps", good=100, bad=0, weight=1),  # rps 50 -> 0.5
        ],
        points=20,
    )
    points, results = score.load_points(spec, STATS, ENDPOINTS, {})
    assert [r.fraction for r in results] == [0.95, 0.5]
    assert points == pytest.approx(20 * (3 * 0.95 + 1 * 0.5) / 4)
    assert [r.label for r in results] == ["p95_ms", "rps"]
    assert [r.value for r in results] == [120.0, 50.0]


def test_load_points_gate_not_met_zeroes_the_load():
    spec = load([threshold(), threshold(figure="lost_adds", good=0, bad=1, gate=True)], points=20)
    points, results = score.load_points(spec, STATS, ENDPOINTS, {"lost_adds": 0.5})
    assert points == 0.0
    assert results[0].fraction == 0.95  # the other threshold is still reported
    assert results[1].gate and results[1].fraction == 0.5


def test_load_points_gate_met_does_not_zero():
    spec = load([threshold(), threshold(figure="lost_adds", good=0, bad=1, gate=True)], points=20)
    points, _ = score.load_points(spec, STATS, ENDPOINTS, {"lost_adds": 0})
    assert points == pytest.approx(20 * (0.95 + 1.0) / 2)


def test_load_points_missing_gate_figure_zeroes():
    spec = load([threshold(), threshold(figure="lost_adds", good=0, bad=1, gate=True)])
    points, results = score.load_points(spec, STATS, ENDPOINTS, {})
    assert points == 0.0
    assert results[1].value is None


def test_a_smoke_leaves_out_what_it_did_not_measure():
    """`labgrade check` injects no faults, so the fault figures are never reported:
    they neither count against a correct system nor trip their gate."""
    spec = load(
        [
            threshold(weight=1),  # p95 120 -> 0.95, measured
            threshold(figure="fault_p95_ms", good=100, bad=500, weight=2),
            threshold(figure="lost_adds", good=0, bad=1, gate=True, weight=2),
        ],
        points=20,
    )
    points, results = score.load_points(spec, STATS, ENDPOINTS, {}, smoke=True)
    assert points == pytest.approx(20 * 0.95)
    assert [r.counted for r in results] == [True, False, False]
    graded, _ = score.load_points(spec, STATS, ENDPOINTS, {})
    assert graded == 0.0, "graded, an unmeasured gate still zeroes the load"


def test_a_smoke_still_counts_a_measured_gate():
    spec = load([threshold(), threshold(figure="lost_adds", good=0, bad=1, gate=True)])
    points, _ = score.load_points(spec, STATS, ENDPOINTS, {"lost_adds": 3}, smoke=True)
    assert points == 0.0


def test_load_points_label_names_endpoint_or_custom_label():
    spec = load([threshold(endpoint="add"), threshold(label="reads p95", endpoint="/total")])
    _, results = score.load_points(spec, STATS, ENDPOINTS, {})
    assert [r.label for r in results] == ["p95_ms add", "reads p95"]


def test_total_is_clamped_and_rounded():
    assert score.total([3.333, 3.333], 10) == 6.67
    assert score.total([8, 8], 10) == 10
    assert score.total([-5, 1], 10) == 0


def test_relative_bounds_scale_with_the_reference():
    from grader.lab.manifest import Threshold
    from grader.score import bounds

    threshold = Threshold(figure="p95_ms", good=200, bad=1000, relative={"good": 3.0, "bad": 12.0})
    assert bounds(threshold, {"p95_ms": 40.0}) == (120.0, 480.0, 40.0)
    assert bounds(threshold, {}) == (200, 1000, None), "no calibration: absolute bounds"
    assert bounds(threshold, {"p95_ms": 0.0}) == (200, 1000, None), (
        "a zero reference scales nothing"
    )


def test_relative_bounds_must_run_the_same_way():
    from pydantic import ValidationError

    from grader.lab.manifest import Threshold

    with pytest.raises(ValidationError, match="same way"):
        Threshold(figure="rps", good=100, bad=10, relative={"good": 0.2, "bad": 0.9})


def test_calibration_keeps_the_median_of_runs_that_measured():
    from grader.load.calibration import median_figures

    runs = [{"load": {"p95_ms": 10.0}}, {"load": {"p95_ms": 30.0}}, {"load": {"p95_ms": None}}]
    runs.append({"load": {"p95_ms": 20.0}})
    assert median_figures(runs) == {"load": {"p95_ms": 20.0}}
