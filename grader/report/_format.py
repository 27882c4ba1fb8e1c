"""Formatting helpers shared by the report writers.

They live in one place so that every human format rounds a score, names a test
and words a status the same way: a student comparing feedback.md with the
terminal table must never see two different numbers for one thing.
"""

from __future__ import annotations

import re

from grader.lab.manifest import LOAD_FIGURES
from grader.result import CheckResult, GradingResult, LoadResult, TestOutcome, ThresholdResult

#: Outcomes that cost the student points and deserve an explanation.
FAILED_OUTCOMES = frozenset({"failed", "error", "timeout"})

#: Gradescope's visibility values; anything else falls back to the safe default.
GRADESCOPE_VISIBILITIES = frozenset({"hidden", "after_due_date", "after_published", "visible"})

_EPS = 1e-9


def fmt_num(value: float | None) -> str:
    """A number for people: 12.5 not 12.500000001, 30 not 30.0, small ratios kept.

    Values at or above 1 are rounded to 2 decimals; below 1 (a failure ratio of
    0.0123, say) two significant digits are kept, because rounding them to 0.01
    or 0 would hide exactly what the student needs to see.
    """
    if value is None:
        return "n/a"
    if value != value:  # NaN: a figure the load run could not compute
        return "n/a"
    if abs(value) >= 1 or abs(value) < _EPS:
        text = f"{value:.2f}".rstrip("0").rstrip(".")
    else:
        text = f"{value:.2g}"
    return "0" if text in ("-0", "") else text


def fmt_points(value: float | None) -> str:
    """Points rounded to 2 decimals (never scientific notation)."""
    if value is None:
        return "n/a"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def round_points(value: float) -> float:
    """Points rounded to 2 decimals for machine formats a person will also read."""
    return round(value + 0.0, 2) + 0.0


def _words(identifier: str) -> str:
    """`crash_between_apply` or `CrashBetween` -> `crash between apply`."""
    identifier = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", identifier)
    return re.sub(r"[_\s]+", " ", identifier).strip().lower()


def readable_test_name(nodeid: str) -> str:
    """Turn a pytest node id into words a student can read.

    `tests/hidden/test_x.py::TestReplay::test_crash_between_apply_and_commit[kafka-3]`
    becomes `replay: crash between apply and commit`. The file path and the
    parametrization are noise to the student (and the path of a hidden test says
    nothing useful); a collection error has only a file, which becomes its words.
    """
    path, sep, rest = nodeid.partition("::")
    # Parametrization ids may themselves contain "::", so drop them before splitting.
    rest = re.sub(r"\[.*\]$", "", rest, flags=re.S)
    parts = [p for p in [path, *rest.split("::")] if p] if sep else [nodeid]
    if not parts:
        return nodeid
    last = re.sub(r"\[.*\]$", "", parts[-1])
    if len(parts) == 1:  # a file only, e.g. a collection error
        last = last.rsplit("/", 1)[-1].removesuffix(".py")
    last = re.sub(r"^test_?", "", last)
    name = _words(last) or _words(parts[-1]) or nodeid
    classes = [_words(re.sub(r"^Test", "", p)) for p in parts[1:-1] if p]
    classes = [c for c in classes if c]
    return ": ".join([*classes, name])


def failed_tests(check: CheckResult) -> list[TestOutcome]:
    """Tests of a check that cost points: failed, error or timeout."""
    return [t for t in check.tests if t.outcome in FAILED_OUTCOMES]


def shown_message(test: TestOutcome) -> str:
    """The message to show for a test that cost points, never empty: a bare
    "timeout" or "error" tells the student nothing about what to look at."""
    if test.message.strip():
        return test.message.strip()
    if test.outcome == "timeout":
        return f"the test did not finish in time ({fmt_num(test.duration_s)} s)"
    if test.outcome == "error":
        return "the test could not run (an error while setting it up or tearing it down)"
    return "the test failed without a message"


def full_marks(points: float, max_points: float) -> bool:
    return points >= max_points - _EPS


def check_lost_points(check: CheckResult) -> bool:
    """Anything went wrong in a check: points lost or a test not passing/skipped."""
    return not full_marks(check.points, check.max_points) or any(
        t.outcome in FAILED_OUTCOMES or t.outcome == "not_run" for t in check.tests
    )


def check_not_run_locally(result: GradingResult, check: CheckResult) -> bool:
    """A hidden check listed in a `labgrade check` result was never run, not failed."""
    return result.mode == "check" and check.hidden


NOT_RUN_HERE = "graded by your instructor, not run here"
"""How a local check lists the groups it leaves to the instructor."""

NO_SCORE_HEADLINES = {
    "infrastructure_error": "infrastructure error: no score",
    "interrupted": "interrupted: no score",
    "not_submitted": "nothing submitted: 0 points",
}
"""One line for a run that was not graded, by status."""


def checked_here_line(result: GradingResult) -> str:
    """What a local check covered of the lab: its points against the whole lab's."""
    here = fmt_points(result.max_score)
    lab = fmt_points(result.lab_max_score or result.max_score)
    return (
        f"checked here: {here} of the lab's {lab} points; hidden checks and the notebook "
        "are graded by your instructor, and the load was a short smoke run"
    )


def gate_failed(threshold: ThresholdResult) -> bool:
    """A gate that is not fully met zeroes the whole load check (see the manifest)."""
    return threshold.gate and threshold.counted and threshold.fraction < 1 - _EPS


def threshold_value(threshold: ThresholdResult) -> str:
    """A threshold's figure as measured, or why there is none."""
    if threshold.value is not None:
        return fmt_num(threshold.value)
    return "not measured" if threshold.counted else "not measured in the smoke (not counted)"


def threshold_target(threshold: ThresholdResult) -> str:
    """What a threshold measures: its endpoint (or all requests), plus the manifest's
    own label when it says more than the `figure endpoint` default does."""
    default = {threshold.figure, " ".join(filter(None, [threshold.figure, threshold.endpoint]))}
    label = threshold.label if threshold.label and threshold.label not in default else ""
    if threshold.figure not in LOAD_FIGURES:  # the scenario's own figure: no endpoint
        return label or "reported by the scenario"
    where = threshold.endpoint or "all requests"
    return f"{label} ({where})" if label else where


def status_word(points: float, max_points: float) -> str:
    """One word for a check or load: passed, partial or failed."""
    if full_marks(points, max_points):
        return "passed"
    if points <= _EPS:
        return "failed"
    return "partial"


def load_status_word(load: LoadResult) -> str:
    word = status_word(load.points, load.max_points)
    if any(gate_failed(t) for t in load.thresholds):
        return f"{word} (gate)"
    return word


def gradescope_visibility(check: CheckResult) -> str:
    """The check's visibility, or the safe default: hidden checks after publishing."""
    if check.visibility in GRADESCOPE_VISIBILITIES:
        return check.visibility
    return "after_published" if check.hidden else "visible"


def phase_name(key: str) -> str:
    """`checks_s` -> `checks`: timing keys carry their unit, people do not need it."""
    return key.removesuffix("_s").replace("_", " ")


def total_seconds(result: GradingResult) -> float:
    """The whole run's duration: `total_s` if recorded, else the sum of the phases."""
    for key in ("total_s", "total"):
        if key in result.timings:
            return result.timings[key]
    return sum(result.timings.values())


def timings_line(result: GradingResult) -> str:
    """All phases on one line, in the order the pipeline recorded them."""
    if not result.timings:
        return "no timings recorded"
    return ", ".join(f"{phase_name(k)} {fmt_num(v)} s" for k, v in result.timings.items())


def truncate(text: str, limit: int) -> str:
    """Cap a message so one runaway assertion cannot swamp the report."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "… (truncated)"


def tail(text: str, lines: int, chars: int) -> str:
    """The last `lines` lines of a log, at most `chars` characters: the end is
    where a crash explains itself."""
    kept = text.rstrip("\n").splitlines()[-lines:]
    out = "\n".join(kept)
    if len(out) > chars:
        out = "…" + out[-(chars - 1) :]
    return out
