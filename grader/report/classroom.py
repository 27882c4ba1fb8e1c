"""`classroom-result.json`: the run as GitHub Classroom's grading reporter reads it.

Classroom's autograding (`classroom-resources/autograding-grading-reporter@v1`)
takes one step output named `result` per grading step: base64 of a JSON object on
one line, with `version` 1, `status` (`pass` | `fail` | `error`), `max_score` and
`tests[]` (`name`, `status`, `score`, `message`, `test_code`, `filename`,
`line_no` 0, `duration`). It records `Points <sum of tests' scores>/<max_score>`,
summing the scores as plain doubles from left to right. So the scores written here
are chosen to add up, in that order and in that arithmetic, to exactly the score in
result.json: every entry is rounded to a multiple of 1/64 (exact in binary) except
the one with the most points, which absorbs the rounding. The reporter cannot take
a payload of about 128 KiB or more, so messages are capped to keep the whole
document under `MAX_PAYLOAD_BYTES`.

A run without a score (an infrastructure error, an interrupted run, or a usage
error before grading began) is `status: error` with the reason as message: Classroom
shows it, and it never looks like an earned zero.
"""

from __future__ import annotations

import base64
import json
import math
import os
from pathlib import Path
from typing import Any

from grader.report._format import (
    check_not_run_locally,
    failed_tests,
    fmt_points,
    full_marks,
    gate_failed,
    readable_test_name,
    shown_message,
    threshold_value,
    truncate,
)
from grader.report.feedback import INFRA_ERROR_TEXT, NO_SCORE_TEXTS
from grader.result import CheckResult, GradingResult, LoadResult

FILENAME = "classroom-result.json"
BASE64_FILENAME = "classroom-result.b64"
OUTPUT_NAME = "result"
"""The step output the reporter reads (`steps.<id>.outputs.result`)."""

MAX_PAYLOAD_BYTES = 48 * 1024
MESSAGE_CHARS = 1200
SCORE_GRAIN = 64
"""Scores are multiples of 1/64: exact in binary, so their sums are exact too."""


def _check_message(check: CheckResult) -> str:
    if full_marks(check.points, check.max_points):
        return ""
    lines = [f"{fmt_points(check.points)}/{fmt_points(check.max_points)}. {check.concept}"]
    for test in failed_tests(check):
        lines.append(f"- {readable_test_name(test.name)}: {shown_message(test)}")
    return "\n".join(lines)


def _load_message(load: LoadResult) -> str:
    if full_marks(load.points, load.max_points):
        return ""
    lines = [f"{fmt_points(load.points)}/{fmt_points(load.max_points)}. {load.concept}"]
    if load.message:
        lines.append(load.message)
    for threshold in load.thresholds:
        if threshold.fraction < 1 and threshold.counted:
            gate = " (gate: this zeroes the load check)" if gate_failed(threshold) else ""
            value = threshold_value(threshold)
            lines.append(
                f"- {threshold.label}: {value}, full marks at {threshold.good:g}, "
                f"none at {threshold.bad:g}{gate}"
            )
    return "\n".join(lines)


def _entry(name: str, points: float, max_points: float, message: str, seconds: float) -> dict:
    return {
        "name": name,
        "status": "pass" if full_marks(points, max_points) else "fail",
        "score": points,
        "message": truncate(message, MESSAGE_CHARS),
        "test_code": "",
        "filename": "",
        "line_no": 0,
        "duration": round(seconds, 3),
    }


def left_to_right_sum(scores: list[float]) -> float:
    """The total as the reporter computes it: doubles added in order from 0."""
    total = 0.0
    for value in scores:
        total += value
    return total


def exact_scores(points: list[float], total: float) -> list[float]:
    """Scores close to `points` whose left-to-right sum is exactly `total`.

    All but the largest are rounded to a multiple of 1/64; the largest takes the
    difference, nudged by a few units in the last place until the sum in the
    reporter's order lands on `total`.
    """
    if not points:
        return []
    absorber = max(range(len(points)), key=lambda i: points[i])
    scores = [round(p * SCORE_GRAIN) / SCORE_GRAIN for p in points]
    scores[absorber] = total - (left_to_right_sum(scores) - scores[absorber])
    for _ in range(64):
        reached = left_to_right_sum(scores)
        if reached == total:
            return scores
        toward = math.inf if reached < total else -math.inf
        scores[absorber] = math.nextafter(scores[absorber], toward)
    raise ArithmeticError(f"cannot split {total} into scores that add up exactly: {points}")


def _tests(result: GradingResult) -> list[dict[str, Any]]:
    tests = []
    for check in result.checks:
        if check_not_run_locally(result, check):
            continue
        seconds = sum(t.duration_s for t in check.tests)
        tests.append(
            _entry(check.title, check.points, check.max_points, _check_message(check), seconds)
        )
    for load in result.loads:
        tests.append(_entry(load.title, load.points, load.max_points, _load_message(load), 0.0))
    return tests


def error_document(reason: str, max_score: float = 0.0, title: str = "Not graded") -> dict:
    """A run that has no score (infrastructure, an interrupted run, or bad usage before
    any grading started): `status: error` and one test carrying the reason, so the
    reporter shows why instead of failing on a missing output."""
    entry = _entry(title, 0.0, 1.0, "", 0.0)
    entry["status"] = "error"
    entry["message"] = truncate(reason, MESSAGE_CHARS)
    return {"version": 1, "status": "error", "max_score": max_score, "tests": [entry]}


_NO_SCORE_TITLES = {
    "infrastructure_error": "Infrastructure error: not graded",
    "interrupted": "Interrupted: not graded",
}


def build(result: GradingResult) -> dict[str, Any]:
    """The reporter's document for one grading step."""
    if result.score is None:
        text = NO_SCORE_TEXTS.get(result.status, INFRA_ERROR_TEXT)
        reason = "\n".join(
            filter(None, [text, result.error.strip() or "unknown error", result.fix])
        )
        title = _NO_SCORE_TITLES.get(result.status, "Not graded")
        return error_document(reason, result.max_score, title)
    if result.status == "not_submitted":
        tests = [_entry("Nothing submitted", 0.0, result.max_score, result.error, 0.0)]
    else:
        tests = _tests(result) or [_entry("No checks were run", 0.0, 0.0, "", 0.0)]
    scores = exact_scores([t["score"] for t in tests], result.score)
    for test, score in zip(tests, scores, strict=True):
        test["score"] = score
    document = {
        "version": 1,
        "status": "pass" if full_marks(result.score, result.max_score) else "fail",
        "max_score": result.max_score,
        "tests": tests,
    }
    return _fit(document)


def _encoded_size(document: dict[str, Any]) -> int:
    return len(encode(document))


def _fit(document: dict[str, Any]) -> dict[str, Any]:
    """Shorten messages until the encoded document is safely below the reporter's limit."""
    for limit in (MESSAGE_CHARS, 400, 120, 0):
        if _encoded_size(document) <= MAX_PAYLOAD_BYTES:
            break
        for test in document["tests"]:
            test["message"] = truncate(test["message"], limit) if limit else ""
    return document


def encode(document: dict[str, Any]) -> str:
    """Base64 of the compact JSON, on one line: the step output's value."""
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def write(result: GradingResult, out_dir: Path) -> Path:
    """Write `classroom-result.json` and its base64 beside it; return the JSON's path."""
    document = build(result)
    path = out_dir / FILENAME
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    (out_dir / BASE64_FILENAME).write_text(encode(document) + "\n", encoding="ascii")
    return path


def publish_to_github(document: dict[str, Any], feedback_markdown: str) -> list[str]:
    """Inside a GitHub Actions step: the `result` output for the reporter, and the
    feedback appended to the job summary. Returns what was written, for the log."""
    written = []
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a", encoding="utf-8") as handle:
            handle.write(f"{OUTPUT_NAME}={encode(document)}\n")
        written.append(f"step output '{OUTPUT_NAME}' ($GITHUB_OUTPUT)")
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary and feedback_markdown.strip():
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(feedback_markdown.rstrip("\n") + "\n")
        written.append("job summary ($GITHUB_STEP_SUMMARY)")
    return written
