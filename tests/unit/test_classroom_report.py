"""GitHub Classroom's file: the reporter must print exactly the score in result.json,
infrastructure errors must say so, and the step output must be what the reporter reads."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.report import classroom, write_reports
from grader.report._format import fmt_points
from grader.result import CheckResult, GradingResult
from grader.result import TestOutcome as Outcome  # aliased: pytest would collect Test*


def _result(points: list[float], status: str = "graded") -> GradingResult:
    checks = [
        CheckResult(
            name=f"c{i}",
            title=f"Check {i}",
            concept=f"concept {i}",
            points=p,
            max_points=30,
            hidden=i > 0,
            visibility="",
            tests=[Outcome(f"tests/hidden/test_c.py::test_{i}", "failed", 0.5, "why it failed")],
        )
        for i, p in enumerate(points)
    ]
    return GradingResult(
        lab="03-event-sourcing",
        title="Event sourcing for ML",
        submission="/subs/alice",
        mode="grade",
        status=status,  # type: ignore[arg-type]
        score=round(sum(points), 2) if status == "graded" else None,
        max_score=30.0 * len(points),
        checks=checks,
        error="kafka did not become ready in 60 s" if status != "graded" else "",
    )


@given(
    st.lists(
        st.integers(min_value=0, max_value=300000).map(lambda n: n / 10000), min_size=1, max_size=9
    )
)
def test_scores_add_up_exactly_in_the_reporters_order(points: list[float]) -> None:
    total = round(sum(points), 2)
    scores = classroom.exact_scores(points, total)
    assert classroom.left_to_right_sum(scores) == total
    for got, wanted in zip(scores, points, strict=True):
        assert abs(got - wanted) <= len(points) / 64 + 0.01


def test_tenths_would_not_add_up_but_the_written_scores_do() -> None:
    assert 0.1 + 0.2 != 0.3  # the reporter's arithmetic, and why the split exists
    document = classroom.build(_result([0.1, 0.2]))
    assert classroom.left_to_right_sum([t["score"] for t in document["tests"]]) == 0.3


def test_document_has_every_field_the_reporter_needs() -> None:
    document = classroom.build(_result([30, 12.5]))
    assert document["version"] == 1
    assert document["status"] == "fail"
    assert document["max_score"] == 60
    for test in document["tests"]:
        assert set(test) == {
            "name",
            "status",
            "score",
            "message",
            "test_code",
            "filename",
            "line_no",
            "duration",
        }
        assert test["line_no"] == 0
        assert isinstance(test["score"], float | int)
    passed, partial = document["tests"]
    assert passed["status"] == "pass" and passed["message"] == ""
    assert partial["status"] == "fail"
    assert "concept 1" in partial["message"] and "why it failed" in partial["message"]


def test_infrastructure_error_is_an_error_with_its_reason() -> None:
    document = classroom.build(_result([30, 30], status="infrastructure_error"))
    assert document["status"] == "error"
    (test,) = document["tests"]
    assert test["status"] == "error" and test["score"] == 0
    assert "not graded" in test["name"]
    assert "kafka did not become ready" in test["message"]


def test_huge_messages_are_cut_to_stay_below_the_payload_limit() -> None:
    result = _result([1.0] * 9)
    for check in result.checks:
        check.tests = [Outcome(f"t::test_{i}", "failed", 0.1, "x" * 5000) for i in range(40)]
    encoded = classroom.encode(classroom.build(result))
    assert len(encoded) <= classroom.MAX_PAYLOAD_BYTES
    assert "\n" not in encoded


def test_write_puts_json_and_base64_side_by_side(tmp_path: Path) -> None:
    write_reports(_result([30, 7.25]), tmp_path)
    document = json.loads((tmp_path / classroom.FILENAME).read_text())
    encoded = (tmp_path / classroom.BASE64_FILENAME).read_text().strip()
    assert json.loads(base64.b64decode(encoded)) == document


def test_github_output_and_step_summary(tmp_path: Path, monkeypatch) -> None:
    output, summary = tmp_path / "output", tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = _result([30, 7.25])
    written = classroom.publish_to_github(classroom.build(result), "# Feedback\n")
    assert len(written) == 2
    name, _, value = output.read_text().strip().partition("=")
    assert name == "result"
    assert json.loads(base64.b64decode(value)) == classroom.build(result)
    assert summary.read_text() == "earlier step\n# Feedback\n"


def test_outside_github_nothing_is_published(monkeypatch) -> None:
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    document = classroom.build(_result([30]))
    assert classroom.publish_to_github(document, "# Feedback\n") == []


@pytest.mark.parametrize(
    ("points", "expected"),
    [([30, 30], "60/60"), ([30, 7.25], "37.25/60"), ([0.1, 0.2, 6.6667], "6.97/90")],
)
def test_the_reporter_prints_the_result_json_score(
    points: list[float], expected: str, tmp_path: Path, classroom_reporter
) -> None:
    result = _result(points)
    write_reports(result, tmp_path)
    run = classroom_reporter(tmp_path / classroom.BASE64_FILENAME)
    assert run.points == expected
    assert run.points == f"{fmt_points(result.score)}/{fmt_points(result.max_score)}"
    assert run.exit_code == (0 if result.score == result.max_score else 1)


def test_the_reporter_fails_the_step_on_an_infrastructure_error(
    tmp_path: Path, classroom_reporter
) -> None:
    write_reports(_result([30], status="infrastructure_error"), tmp_path)
    run = classroom_reporter(tmp_path / classroom.BASE64_FILENAME)
    assert run.exit_code == 1
