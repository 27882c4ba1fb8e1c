"""The grader proves itself on every real lab, on the instructor's own path.

`labgrade selftest` grades each lab's variants (starter, solution, partial fix,
alternative fix) as a class with `labgrade batch`, two at a time on one set of
infrastructure. Each variant must land in its expected range and the reference
must score full marks; the batch's gradebook must have a column for every check,
load check and the notebook with rows that add up; its class report must render in
a real browser; GitHub Classroom's reporter must record exactly each score; and
graded alone, on infrastructure of its own, the solution must score what it scored
in the batch, group by group (tests/integration/test_batch.py shows the same for
every kind of failing submission of the test lab; `bench/batch_bench.py fairness`
measures load figures in a batch against alone).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from grader.batch.gradebook import columns
from grader.grade import GradeRequest, grade
from grader.lab.discovery import Lab, lab_folders, load_lab
from grader.report import classroom
from grader.report._format import fmt_points
from grader.selftest import VariantOutcome, materialize, selftest, variants

LABS = [folder for folder in lab_folders() if variants(load_lab(folder))]


@pytest.mark.slow
@pytest.mark.parametrize("folder", LABS, ids=[f.name for f in LABS])
def test_every_variant_lands_in_its_range(
    folder: Path, tmp_path: Path, classroom_reporter, load_in_browser
) -> None:
    lab = load_lab(folder)
    out = tmp_path / "selftest"
    outcomes = {o.variant.name: o for o in selftest([lab], out, lambda _: None, jobs=2)}
    assert set(outcomes) >= {"starter", "solution", "partial", "alternative"}
    report = {
        name: (o.result and (o.result.status, o.result.score)) for name, o in outcomes.items()
    }
    assert all(o.ok for o in outcomes.values()), f"variants outside their range: {report}"
    solution, starter = outcomes["solution"].result, outcomes["starter"]
    assert solution is not None and solution.score == solution.max_score
    assert starter.fraction is not None and starter.fraction <= 0.4
    if lab.manifest.notebook is not None:
        assert outcomes["solution"].notebook_points == lab.manifest.notebook.points
        assert starter.notebook_points == 0
    batch = out / lab.id
    _gradebook_adds_up(lab, batch / "gradebook.csv", outcomes)
    _report_renders(batch / "report.html", outcomes, load_in_browser)
    _reporter_agrees(batch, outcomes, classroom_reporter)
    _alone_agrees(lab, outcomes, tmp_path)


def test_there_is_a_lab_to_selftest() -> None:
    assert LABS, "no lab under labs/ has variants/: selftest would prove nothing"


def _gradebook_adds_up(lab: Lab, path: Path, outcomes: dict[str, VariantOutcome]) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header, rows = reader.fieldnames, {row["student"]: row for row in reader}
    parts = [f"points:{c.name}" for c in lab.manifest.check]
    parts += [f"points:{lo.name}" for lo in lab.manifest.load]
    if lab.manifest.notebook is not None:
        parts.append("points:notebook")
    assert header == ["student", "lab", "score", "max_score", "status", *parts, "wall_s"]
    assert header == columns(lab)
    assert set(rows) == set(outcomes)
    for name, row in rows.items():
        result = outcomes[name].result
        assert row["status"] == "graded" and result is not None, row
        assert float(row["score"]) == pytest.approx(result.score, abs=0.005)
        assert sum(float(row[p]) for p in parts) == pytest.approx(float(row["score"]), abs=0.03)


def _report_renders(page: Path, outcomes: dict[str, VariantOutcome], load_in_browser) -> None:
    probe, console = load_in_browser(page)
    charts = len(re.findall(r'<figure class="chart" ', page.read_text(encoding="utf-8")))
    assert charts >= 2, "the histogram and the pass rates at least"
    assert probe.get("data-errors") == "0", console
    assert probe.get("data-charts-rendered") == str(charts)
    assert console == []
    html = page.read_text(encoding="utf-8")
    for name in outcomes:
        assert f"students/{name}/feedback.md" in html


def _reporter_agrees(batch: Path, outcomes: dict[str, VariantOutcome], classroom_reporter) -> None:
    """GitHub Classroom's reporter, fed each variant's step output, records exactly
    the score in result.json ("Points M/M" for the solution)."""
    for name, outcome in outcomes.items():
        result = outcome.result
        assert result is not None
        run = classroom_reporter(batch / "students" / name / classroom.BASE64_FILENAME)
        expected = f"{fmt_points(result.score)}/{fmt_points(result.max_score)}"
        assert run.points == expected, f"{name}: {run.output}"


def _alone_agrees(lab: Lab, outcomes: dict[str, VariantOutcome], tmp_path: Path) -> None:
    """The batch's scores are what a grading alone, on infrastructure of its own, gives."""
    solution = next(v for v in variants(lab) if v.name == "solution")
    submission = materialize(lab, solution, tmp_path / "alone")
    alone = grade(
        GradeRequest(lab=lab, submission=submission, out_dir=tmp_path / "alone-report"),
        progress=lambda _: None,
    )
    batched = outcomes["solution"].result
    assert batched is not None and alone.status == "graded", alone.error
    assert alone.score == batched.score, (alone.score, batched.score)
    parts = [(p.name, p.points) for p in [*alone.checks, *alone.loads]]
    assert parts == [(p.name, p.points) for p in [*batched.checks, *batched.loads]]
