"""The trusted workspace: what a run uses of a submission, and what it ignores."""

from __future__ import annotations

import shutil
from pathlib import Path

from grader.lab.discovery import load_lab
from grader.run.workspace import build_workspace, locate_submission


def student_repository(tmp_path: Path, lab_path: Path) -> Path:
    """A student's repository as GitHub Classroom clones it: labs/<lab>/starter and friends."""
    repo = tmp_path / "alice"
    shutil.copytree(lab_path, repo / "labs" / lab_path.name)
    return repo


def test_a_starter_shaped_folder_is_the_submission(counter_lab_path):
    lab = load_lab(counter_lab_path)
    code, student_lab = locate_submission(lab, counter_lab_path / "starter")
    assert code == counter_lab_path / "starter" and student_lab is None


def test_a_repository_root_is_searched_for_the_lab(tmp_path, counter_lab_path):
    lab = load_lab(counter_lab_path)
    repo = student_repository(tmp_path, counter_lab_path)
    code, student_lab = locate_submission(lab, repo)
    assert code == repo / "labs" / "00-counter" / "starter"
    assert student_lab == repo / "labs" / "00-counter"


def test_edits_outside_the_code_folder_are_ignored_and_listed(tmp_path, counter_lab_path):
    lab = load_lab(counter_lab_path)
    repo = student_repository(tmp_path, counter_lab_path)
    student_lab = repo / "labs" / "00-counter"
    (student_lab / "tests" / "visible" / "test_smoke.py").write_text("def test_x():\n    pass\n")
    (student_lab / "lab.toml").write_text("# my own grading rules\n")
    (student_lab / "starter" / "notes.txt").write_text("mine")
    workspace = build_workspace(lab, repo, lab.path / "tests" / "hidden")
    try:
        assert workspace.ignored_changes == ["lab.toml", "tests/visible/test_smoke.py"]
        trusted_test = workspace.trusted / "tests" / "visible" / "test_smoke.py"
        assert (
            trusted_test.read_text()
            == (counter_lab_path / "tests" / "visible" / "test_smoke.py").read_text()
        )
        assert (workspace.trusted / "lab.toml").read_text() == lab.manifest_path.read_text()
        assert (workspace.submission / "notes.txt").read_text() == "mine"
    finally:
        workspace.remove()
    assert not workspace.root.exists()


def test_hidden_tests_stay_out_of_a_check_workspace(counter_lab_path):
    lab = load_lab(counter_lab_path)
    workspace = build_workspace(lab, counter_lab_path / "starter", None)
    try:
        assert (workspace.trusted / "tests" / "visible").is_dir()
        assert not (workspace.trusted / "tests" / "hidden").exists()
    finally:
        workspace.remove()
