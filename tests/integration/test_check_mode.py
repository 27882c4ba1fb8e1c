"""`labgrade check`: the student's run has the same shape as a grading, minus the
hidden checks, with a short load smoke."""

from __future__ import annotations

import pytest

from grader.grade import GradeRequest, grade
from grader.lab.discovery import load_lab


@pytest.mark.slow
def test_check_runs_visible_tests_and_a_load_smoke(tmp_path, counter_lab_path):
    lab = load_lab(counter_lab_path)
    request = GradeRequest(
        lab=lab, submission=counter_lab_path / "starter", out_dir=tmp_path, mode="check"
    )
    result = grade(request, progress=lambda _: None)
    assert result.status == "graded" and result.mode == "check"
    assert [c.name for c in result.checks] == ["smoke"], "a check must never run hidden tests"
    assert result.max_score == 2 + 4
    assert result.score == result.max_score
    (load,) = result.loads
    smoke = lab.manifest.load[0].smoke_duration_s
    assert load.stats.requests > 0
    assert load.stats.rps * smoke == pytest.approx(load.stats.requests, rel=0.35)
    feedback = (tmp_path / "feedback.md").read_text()
    assert "hidden" in feedback.lower()
    for name in ("result.json", "junit.xml", "gradescope-results.json"):
        assert (tmp_path / name).is_file()
