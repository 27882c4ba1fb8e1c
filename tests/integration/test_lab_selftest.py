"""The grader proves itself on every real lab: `labgrade selftest` for each lab.

Each variant (starter, solution, partial fix, alternative fix) must land in its
expected score range; the reference solution must score full marks.  The analysis
notebook is graded in every variant: the reference's full, the released blank's none.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.lab.discovery import lab_folders, load_lab
from grader.report import classroom
from grader.report._format import fmt_points
from grader.selftest import selftest, variants

LABS = [folder for folder in lab_folders() if variants(load_lab(folder))]


@pytest.mark.slow
@pytest.mark.parametrize("folder", LABS, ids=[f.name for f in LABS])
def test_every_variant_lands_in_its_range(folder: Path, tmp_path: Path, classroom_reporter) -> None:
    lab = load_lab(folder)
    outcomes = selftest([lab], tmp_path, on_result=lambda _: None)
    assert {o.variant.name for o in outcomes} >= {"starter", "solution", "partial", "alternative"}
    report = {
        o.variant.name: (o.result.status, o.result.score, o.result.max_score) for o in outcomes
    }
    assert all(o.ok for o in outcomes), f"variants outside their range: {report}"
    solution = next(o for o in outcomes if o.variant.name == "solution")
    assert solution.result.score == solution.result.max_score
    starter = next(o for o in outcomes if o.variant.name == "starter")
    assert starter.fraction is not None and starter.fraction <= 0.4
    if lab.manifest.notebook is not None:
        assert solution.notebook_points == lab.manifest.notebook.points
        assert starter.notebook_points == 0
    _reporter_agrees(outcomes, tmp_path, classroom_reporter)


def test_there_is_a_lab_to_selftest() -> None:
    assert LABS, "no lab under labs/ has variants/: selftest would prove nothing"


def _reporter_agrees(outcomes, out_root: Path, classroom_reporter) -> None:
    """GitHub Classroom's reporter, fed each variant's step output, records exactly
    the score in result.json ("Points M/M" for the solution)."""
    for outcome in outcomes:
        result = outcome.result
        encoded = out_root / result.lab / outcome.variant.name / classroom.BASE64_FILENAME
        run = classroom_reporter(encoded)
        expected = f"{fmt_points(result.score)}/{fmt_points(result.max_score)}"
        assert run.points == expected, f"{outcome.variant.name}: {run.output}"
