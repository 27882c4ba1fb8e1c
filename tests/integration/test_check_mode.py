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
    ran = [c.name for c in result.checks if c.tests]
    assert ran == ["smoke"], "a check must never run hidden tests"
    listed = {c.name: (c.hidden, c.max_points, c.points) for c in result.checks if not c.tests}
    assert listed == {"counting": (True, 6, 0), "events": (True, 2, 0)}, "hidden groups listed"
    assert result.max_score == 2 + 4
    assert result.lab_max_score == lab.manifest.max_score
    assert result.score == result.max_score
    (load,) = result.loads
    smoke = lab.manifest.load[0].smoke_duration_s
    assert load.stats.requests > 0
    assert load.stats.rps * smoke == pytest.approx(load.stats.requests, rel=0.35)
    feedback = (tmp_path / "feedback.md").read_text()
    assert "hidden" in feedback.lower()
    for name in ("result.json", "junit.xml", "gradescope-results.json"):
        assert (tmp_path / name).is_file()
