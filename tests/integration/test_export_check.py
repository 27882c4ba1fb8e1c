"""A student's repository works on its own: the exported grader finds the exported
labs, although they have no solution/, tests/hidden/ or variants/, and checks one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.export import export_student
from grader.lab.discovery import lab_folders, load_lab

REPO = Path(__file__).resolve().parents[2]
LABS = [load_lab(folder) for folder in lab_folders(REPO / "labs")]


@pytest.fixture(scope="module")
def student_repo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("student") / "repo"
    export_student(out, LABS, REPO)
    return out


def labgrade_in(repo: Path, *args: str, timeout_s: float) -> subprocess.CompletedProcess:
    """Run the exported grader, not this one: its package first on the path, and lab
    discovery left to find the repository's own labs/."""
    env = {k: v for k, v in os.environ.items() if k != "LABGRADE_LABS"}
    env["PYTHONPATH"] = str(repo)
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )


def test_labgrade_list_in_a_student_repository(student_repo):
    done = labgrade_in(student_repo, "list", timeout_s=60)
    assert done.returncode == 0, done.stderr
    assert "INVALID" not in done.stdout
    for lab in LABS:
        assert lab.id in done.stdout
    assert not (student_repo / "labs" / LABS[0].id / "tests" / "hidden").exists()


@pytest.mark.slow
def test_labgrade_check_in_a_student_repository(student_repo, tmp_path):
    done = labgrade_in(
        student_repo, "check", "01", "--no-load", "--out", str(tmp_path), timeout_s=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    assert result["status"] == "graded", result.get("error")
    assert result["lab"] == "01-lambda-kappa"
    assert [check["name"] for check in result["checks"] if check["tests"]] == ["smoke"]
    listed = [check["name"] for check in result["checks"]]
    lab = next(lab for lab in LABS if lab.id == "01-lambda-kappa")
    assert listed == [check.name for check in lab.manifest.check] + ["notebook"]
    assert str(student_repo) in result["submission"], "graded the export's starter"
