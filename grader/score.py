"""Where a score is computed: manifest points and observed outcomes in, points out.

Check groups earn partial credit by the fraction of their tests that passed (a skipped
or unrun test is not a pass).  Load checks earn points on a linear curve per threshold,
weighted; a gate threshold that is not fully met zeroes the load check.  A figure that
was not measured earns nothing, except in a `labgrade check` smoke run, which injects
no faults and so cannot measure what happens under them: there it is left out.
"""

from __future__ import annotations

from dataclasses import asdict

from grader.lab.manifest import LOAD_FIGURES, CheckSpec, LoadSpec, Threshold
from grader.result import EndpointStats, LoadStats, TestOutcome, ThresholdResult


def check_points(spec: CheckSpec, tests: list[TestOutcome]) -> float:
    if not tests:
        return 0.0
    passed = sum(1 for t in tests if t.passed)
    return round(spec.points * passed / len(tests), 4)


def curve(value: float | None, good: float, bad: float) -> float:
    """1 at `good` or better, 0 at `bad` or worse, linear between; works either way round."""
    if value is None:
        return 0.0
    fraction = (bad - value) / (bad - good)
    return max(0.0, min(1.0, fraction))


def figure_value(
    threshold: Threshold,
    stats: LoadStats,
    endpoints: list[EndpointStats],
    figures: dict[str, float],
) -> float | None:
    if threshold.figure not in LOAD_FIGURES:
        return figures.get(threshold.figure)
    if threshold.endpoint is None:
        return float(asdict(stats)[threshold.figure])
    for entry in endpoints:
        if threshold.endpoint in (entry.name, f"{entry.method} {entry.name}"):
            return float(asdict(entry)[threshold.figure])
    return None


def bounds(threshold: Threshold, reference: dict[str, float]) -> tuple[float, float, float | None]:
    """(good, bad, reference figure): relative bounds scaled by the reference solution's
    figure when it was calibrated on this machine, else the absolute bounds."""
    measured = reference.get(threshold.key)
    if threshold.relative is None or measured is None or measured <= 0:
        return threshold.good, threshold.bad, None
    relative = threshold.relative
    return round(relative.good * measured, 3), round(relative.bad * measured, 3), measured


def load_points(
    spec: LoadSpec,
    stats: LoadStats,
    endpoints: list[EndpointStats],
    figures: dict[str, float],
    reference: dict[str, float] | None = None,
    *,
    smoke: bool = False,
) -> tuple[float, list[ThresholdResult]]:
    """`reference`: the reference solution's figures on this machine, by threshold key.
    `smoke`: a short run without faults, where figures it did not measure do not count."""
    results = []
    for threshold in spec.threshold:
        value = figure_value(threshold, stats, endpoints, figures)
        label = threshold.label or " ".join(filter(None, [threshold.figure, threshold.endpoint]))
        good, bad, measured = bounds(threshold, reference or {})
        results.append(
            ThresholdResult(
                figure=threshold.figure,
                endpoint=threshold.endpoint,
                label=label,
                value=value,
                good=good,
                bad=bad,
                fraction=round(curve(value, good, bad), 4),
                gate=threshold.gate,
                weight=threshold.weight,
                reference=measured,
                counted=not (smoke and value is None),
            )
        )
    counted = [r for r in results if r.counted]
    if not counted or any(r.gate and r.fraction < 1.0 for r in counted):
        return 0.0, results
    total_weight = sum(r.weight for r in counted)
    earned = sum(r.weight * r.fraction for r in counted) / total_weight
    return round(spec.points * earned, 4), results


def total(points: list[float], max_score: float) -> float:
    return round(max(0.0, min(max_score, sum(points))), 2)
