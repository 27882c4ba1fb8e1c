"""The analysis notebook's plumbing that needs no nbgrader run: reading the source's
graded cells, linting them against the manifest, and refusing unusable submissions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from grader.lab.discovery import load_lab
from grader.lab.lint import lint_lab
from grader.lab.manifest import ManifestError, parse_manifest
from grader.notebook.autograde import NotebookRun, grade_notebook
from grader.notebook.questions import NotebookSourceError, questions
from grader.run import sandbox

NOTEBOOK_LAB = Path(__file__).resolve().parents[1] / "labs" / "01-notebook"
SOURCE = NOTEBOOK_LAB / "tests/hidden/notebook/analysis.ipynb"


@pytest.fixture
def notebook_lab(tmp_path: Path) -> Path:
    folder = tmp_path / "labs" / "01-notebook"
    shutil.copytree(NOTEBOOK_LAB, folder)
    return folder


def _edit_source(lab: Path, change) -> None:
    path = lab / "tests/hidden/notebook/analysis.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    change(notebook)
    path.write_text(json.dumps(notebook), encoding="utf-8")


def _graded(notebook: dict) -> list[dict]:
    return [c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]


def test_questions_come_from_the_sources_test_cells_in_order():
    asked = questions(SOURCE)
    assert [(q.grade_id, q.points) for q in asked] == [("q1_check", 2.0), ("q2_check", 2.0)]
    assert asked[0].title == "Requests in flight"
    assert "Little's law" in asked[0].concept


def test_a_test_cell_without_feedback_text_is_refused(notebook_lab):
    _edit_source(notebook_lab, lambda nb: _graded(nb)[1]["metadata"].pop("labgrade"))
    with pytest.raises(NotebookSourceError, match=r"cell \d+ \(q2_check\).*'title'"):
        questions(notebook_lab / "tests/hidden/notebook/analysis.ipynb")


def test_an_unreadable_source_names_the_file(tmp_path):
    broken = tmp_path / "analysis.ipynb"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(NotebookSourceError, match=r"analysis\.ipynb: not a readable notebook"):
        questions(broken)


def test_the_test_lab_lints_clean():
    assert lint_lab(load_lab(NOTEBOOK_LAB)) == []


def test_lint_compares_the_notebooks_points_with_the_manifest(notebook_lab):
    def more_points(notebook: dict) -> None:
        _graded(notebook)[0]["metadata"]["nbgrader"]["points"] = 3

    _edit_source(notebook_lab, more_points)
    problems = lint_lab(load_lab(notebook_lab))
    assert any(
        "key 'notebook.points': 4, but the graded cells" in p and "add up to 5" in p
        for p in problems
    ), problems


def test_lint_refuses_a_starter_notebook_with_solutions(notebook_lab):
    shutil.copy2(SOURCE, notebook_lab / "starter/notebook/analysis.ipynb")
    problems = lint_lab(load_lab(notebook_lab))
    assert any("holds solutions or hidden tests" in p for p in problems), problems


def test_lint_wants_the_released_notebook(notebook_lab):
    (notebook_lab / "starter/notebook/analysis.ipynb").unlink()
    problems = lint_lab(load_lab(notebook_lab))
    assert any("run `labgrade release-notebooks`" in p for p in problems), problems


def test_the_notebook_file_name_is_validated(notebook_lab):
    manifest = notebook_lab / "lab.toml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("points = 4", 'points = 4\nfile = "../x.py"'),
        encoding="utf-8",
    )
    with pytest.raises(ManifestError, match=r"key 'notebook.file'"):
        parse_manifest(manifest)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda folder: None, "no notebook at notebook/analysis.ipynb"),
        (
            lambda folder: (folder / "analysis.ipynb").write_text("{", encoding="utf-8"),
            "is not a readable notebook",
        ),
        (lambda folder: (folder / "analysis.ipynb").symlink_to(SOURCE), "must be a regular file"),
    ],
    ids=["missing", "not-json", "symlink"],
)
def test_an_unusable_submission_scores_nothing_and_says_why(tmp_path, make, message):
    submission = tmp_path / "submission"
    (submission / "notebook").mkdir(parents=True)
    make(submission / "notebook")
    lab = load_lab(NOTEBOOK_LAB)
    run = NotebookRun(lab.id, SOURCE.parent, submission, tmp_path / "scratch", ())
    result = grade_notebook(lab.manifest.notebook, run)
    assert result.points == 0 and result.max_points == 4
    assert message in result.message
    assert [t.outcome for t in result.tests] == ["not_run", "not_run"]
    assert not (tmp_path / "scratch").exists(), "no nbgrader run for a notebook that is not there"


def test_a_kernel_policy_without_network_unshares_it(monkeypatch, tmp_path):
    monkeypatch.setattr(sandbox, "bubblewrap", lambda: "/usr/bin/bwrap")
    offline = sandbox.confined(["python"], tmp_path, sandbox.Policy(network=False))
    online = sandbox.confined(["python"], tmp_path, sandbox.Policy())
    assert "--unshare-net" in offline and "--unshare-net" not in online


def test_lint_wants_the_references_notebook_to_be_the_source(notebook_lab):
    reference = notebook_lab / "solution/notebook/analysis.ipynb"
    reference.write_text(reference.read_text(encoding="utf-8").replace("40 * 0.150", "6.0"))
    problems = lint_lab(load_lab(notebook_lab))
    assert any("differs from the source notebook" in p for p in problems), problems
