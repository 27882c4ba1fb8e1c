"""`labgrade export-gradebook --nbgrader DB`: lab scores in a real nbgrader gradebook,
read back through nbgrader's own API as formgrader would."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from grader.cli import main
from grader.result import CheckResult, GradingResult, LoadResult, LoadStats

LAB = "03-event-sourcing"


def _result(points: dict[str, float], score: float | None = 0.0) -> GradingResult:
    checks = [
        CheckResult(name, name, "", points[name], 30.0, True, "visible")
        for name in ("exactly-once", "notebook")
    ]
    load = LoadResult("ingest-and-query", "", "", points["ingest-and-query"], 20.0, LoadStats())
    total = sum(points.values()) if score is not None else None
    return GradingResult(
        lab=LAB,
        title="",
        submission="",
        mode="grade",
        status="graded",
        score=total,
        max_score=80.0,
        checks=checks,
        loads=[load],
    )


def _batch(root: Path, results: dict[str, GradingResult]) -> Path:
    for student, result in results.items():
        folder = root / "students" / student
        folder.mkdir(parents=True)
        result.write(folder / "result.json")
    return root


@pytest.fixture
def gradebook_api(monkeypatch):
    """nbgrader's API in this process; creating a database runs `alembic` from PATH."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{Path('/usr/bin')}:/bin")
    from nbgrader import api

    return api


def test_lab_scores_land_as_an_assignment_and_update_in_place(tmp_path, gradebook_api, capsys):
    database = tmp_path / "course" / "gradebook.db"
    first = {"exactly-once": 30.0, "notebook": 10.0, "ingest-and-query": 12.5}
    batch = _batch(
        tmp_path / "batch",
        {
            "alice": _result(first),
            "bob": _result({"exactly-once": 0.0, "notebook": 20.0, "ingest-and-query": 0.0}),
            "carol": _result(first, score=None),  # infrastructure failed: no score
        },
    )
    assert main(["export-gradebook", str(batch), "--nbgrader", str(database)]) == 0
    assert "left out, not graded: carol" in capsys.readouterr().out
    with gradebook_api.Gradebook(f"sqlite:///{database}") as gradebook:
        alice = gradebook.find_submission(LAB, "alice")
        assert (alice.score, alice.max_score) == (52.5, 80.0)
        assert gradebook.find_submission(LAB, "bob").score == 20.0
        with pytest.raises(gradebook_api.MissingEntry):
            gradebook.find_student("carol")
        grade = gradebook.find_grade("notebook", "labgrade", LAB, "alice")
        assert (grade.auto_score, grade.max_score) == (10.0, 30.0)

    regraded = _batch(tmp_path / "again", {"alice": _result({**first, "notebook": 20.0})})
    assert main(["export-gradebook", str(regraded), "--nbgrader", str(database)]) == 0
    with gradebook_api.Gradebook(f"sqlite:///{database}") as gradebook:
        assert gradebook.find_submission(LAB, "alice").score == 62.5
        assert len(gradebook.find_notebook("labgrade", LAB).grade_cells) == 3
        assert len(gradebook.students) == 2


def test_scores_join_the_instructors_own_notebook_of_that_assignment(tmp_path, gradebook_api):
    database = tmp_path / "gradebook.db"
    with gradebook_api.Gradebook(f"sqlite:///{database}") as gradebook:
        gradebook.add_assignment(LAB)
        gradebook.add_notebook("essay", LAB)
        gradebook.add_grade_cell("reflection", "essay", LAB, max_score=5, cell_type="markdown")
        gradebook.add_student("alice")
        gradebook.add_submission(LAB, "alice")  # made before our notebook existed
        gradebook.find_grade("reflection", "essay", LAB, "alice").manual_score = 4
        gradebook.db.commit()
    points = {"exactly-once": 30.0, "notebook": 20.0, "ingest-and-query": 20.0}
    batch = _batch(tmp_path / "batch", {"alice": _result(points)})
    assert main(["export-gradebook", str(batch), "--nbgrader", str(database)]) == 0
    with gradebook_api.Gradebook(f"sqlite:///{database}") as gradebook:
        alice = gradebook.find_submission(LAB, "alice")
        assert (alice.score, alice.max_score) == (74.0, 85.0)
        assert gradebook.find_grade("reflection", "essay", LAB, "alice").manual_score == 4


def test_a_folder_that_is_no_batch_is_a_usage_error(tmp_path, capsys):
    assert main(["export-gradebook", str(tmp_path), "--nbgrader", str(tmp_path / "g.db")]) == 2
    assert "has no students/" in capsys.readouterr().err
