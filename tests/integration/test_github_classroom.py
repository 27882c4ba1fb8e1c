"""`labgrade grade --github` in a GitHub Classroom job: every way out writes the `result`
step output, and GitHub's reporter (its twin) shows the student why.

Without that output the reporter fails with a message of its own about its inputs,
and the student learns nothing; so usage errors, an infrastructure error and a
normal grading are each fed through the reporter as the workflow would.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TEST_LABS = REPO / "tests" / "labs"


def labgrade_github(tmp_path: Path, *args: str, **env: str) -> tuple[int, str, str, str]:
    """(exit code, step output `result` or "", job summary, stderr) of one step."""
    output, summary = tmp_path / "github-output", tmp_path / "step-summary.md"
    for path in (output, summary):
        path.write_text("")
    environment = dict(os.environ) | {
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "LABGRADE_LABS": str(TEST_LABS),
    }
    environment |= env
    done = subprocess.run(
        [sys.executable, "-m", "grader.cli", *args, "--github"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = [line for line in output.read_text().splitlines() if line.startswith("result=")]
    assert len(lines) <= 1, lines
    value = lines[0].removeprefix("result=") if lines else ""
    return done.returncode, value, summary.read_text(), done.stderr


def _document(value: str) -> dict:
    return json.loads(base64.b64decode(value))


def test_without_a_step_output_the_reporter_says_nothing_useful(classroom_reporter) -> None:
    run = classroom_reporter(None)
    assert run.exit_code != 0
    assert "runners input must be a comma-separated list" in run.output


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (["grade", "77", "--submission", "."], "no lab '77'"),
        (["grade", "00", "--submission", "nowhere"], "is not a folder"),
        (["grade", "00", "--submission", ".", "--tests", "missing-tests"], "missing-tests"),
        (["grade", "00"], "--submission"),
        (["grade", "00", "--submission", ".", "--jobs", "2"], "unrecognized arguments"),
    ],
    ids=["unknown-lab", "no-submission-folder", "bad-tests", "missing-option", "unknown-option"],
)
def test_a_usage_error_reaches_the_student_through_the_reporter(
    tmp_path, classroom_reporter, args, why
) -> None:
    code, value, summary, stderr = labgrade_github(tmp_path, *args)
    assert code == 2, stderr
    assert value, "no step output: the reporter would fail on its own inputs"
    document = _document(value)
    assert document["status"] == "error"
    (test,) = document["tests"]
    assert why in test["message"] and test["status"] == "error"
    assert why in summary
    run = classroom_reporter(value)
    assert run.exit_code == 1
    assert "❌ labgrade could not grade" in run.output
    assert why in run.output
    assert "runners input" not in run.output


def test_an_infrastructure_error_says_so_and_how_to_fix_it(tmp_path, classroom_reporter) -> None:
    empty = tmp_path / "no-control-plane"
    empty.mkdir()
    code, value, summary, stderr = labgrade_github(
        tmp_path,
        "check",
        "06",
        "--out",
        str(tmp_path / "grading"),
        LABGRADE_LABS=str(REPO / "labs"),
        LABGRADE_KUBERNETES_BIN=str(empty),
    )
    assert code == 3, stderr
    document = _document(value)
    assert document["status"] == "error"
    (test,) = document["tests"]
    assert test["name"] == "Infrastructure error: not graded"
    assert "not built on this machine" in test["message"]
    assert "build-control-plane.sh" in test["message"]
    assert "Infrastructure error" in summary
    run = classroom_reporter(value)
    assert run.exit_code == 1
    assert "not built on this machine" in run.output and "build-control-plane.sh" in run.output


@pytest.mark.slow
def test_a_grading_reports_its_points(tmp_path, classroom_reporter) -> None:
    starter = TEST_LABS / "00-counter" / "starter"
    code, value, summary, stderr = labgrade_github(
        tmp_path, "grade", "00", "--submission", str(starter), "--out", str(tmp_path / "out")
    )
    assert code == 0, stderr
    document = _document(value)
    assert document["status"] == "pass" and document["max_score"] == 14
    assert "**Score: 14 / 14**" in summary
    run = classroom_reporter(value)
    assert run.points == "14/14" and run.exit_code == 0, run.output
    assert "✅ The counter answers" in run.output
