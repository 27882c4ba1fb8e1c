"""`labgrade` as a user runs it: exit codes and one-line errors on stderr."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TEST_LABS = REPO / "tests" / "labs"
COUNTER_LAB = TEST_LABS / "00-counter"


def labgrade(*args: str, labs: Path | None = TEST_LABS, cwd: Path = REPO, **env: str):
    """`labgrade ARGS` in a process of its own; `labs=None`: the repository's labs."""
    environment = dict(os.environ) | env
    environment.pop("LABGRADE_LABS", None)
    if labs is not None:
        environment["LABGRADE_LABS"] = str(labs)
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, f"expected exactly one stderr line, got {lines!r}"
    return lines[0]


@pytest.fixture
def broken_lab(tmp_path) -> Path:
    folder = tmp_path / "00-counter"
    shutil.copytree(COUNTER_LAB, folder, ignore=shutil.ignore_patterns("variants"))
    manifest = folder / "lab.toml"
    manifest.write_text(manifest.read_text().replace("users = 5", 'users = "five"'))
    return folder


def test_help_exits_zero():
    run = labgrade("--help")
    assert run.returncode == 0
    for verb in ("grade", "check", "batch", "export-student", "export-hidden", "list", "infra"):
        assert verb in run.stdout
    assert "Exit codes" in run.stdout


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "labgrade"
    assert script.is_file()
    run = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "labgrade" in run.stdout


def test_no_verb_is_a_usage_error():
    assert labgrade().returncode == 2


@pytest.mark.parametrize("verb", ["lint", "check", "grade"])
def test_malformed_manifest_is_one_line_naming_file_and_key(broken_lab, verb):
    args = [verb, str(broken_lab)]
    if verb == "grade":
        args += ["--submission", str(broken_lab / "starter")]
    run = labgrade(*args)
    assert run.returncode == 2
    line = one_line(run.stderr)
    assert str(broken_lab / "lab.toml") in line
    assert "load[0].users" in line
    assert "Traceback" not in run.stderr


def test_malformed_manifest_by_name_via_lint_all(broken_lab):
    run = labgrade("lint", labs=broken_lab.parent)
    assert run.returncode == 2
    line = one_line(run.stderr)
    assert str(broken_lab / "lab.toml") in line and "load[0].users" in line


def test_unknown_lab_is_a_usage_error():
    run = labgrade("check", "77")
    assert run.returncode == 2
    line = one_line(run.stderr)
    assert "no lab '77'" in line and "00-counter" in line


def test_grade_with_missing_submission_folder(tmp_path):
    missing = tmp_path / "nowhere"
    run = labgrade("grade", "00", "--submission", str(missing), "--out", str(tmp_path / "out"))
    assert run.returncode == 2
    line = one_line(run.stderr)
    assert str(missing) in line and "not a folder" in line
    assert not (tmp_path / "out").exists()


def test_grade_requires_a_submission():
    run = labgrade("grade", "00")
    assert run.returncode == 2
    assert "--submission" in run.stderr


def test_lint_of_the_test_lab_is_ok():
    run = labgrade("lint", str(COUNTER_LAB))
    assert run.returncode == 0, run.stderr
    assert "00-counter: ok" in run.stdout
    assert run.stderr == ""


def test_lint_with_problems_exits_one(tmp_path):
    folder = tmp_path / "00-counter"
    shutil.copytree(COUNTER_LAB, folder, ignore=shutil.ignore_patterns("variants"))
    (folder / "load/locustfile.py").unlink()
    run = labgrade("lint", str(folder))
    assert run.returncode == 1
    assert "load[0].locustfile" in one_line(run.stderr)


def test_list_shows_the_labs():
    run = labgrade("list")
    assert run.returncode == 0
    assert "00-counter" in run.stdout
    assert "14 pts" in run.stdout


def test_list_of_the_repository_labs():
    run = labgrade("list", labs=None)
    assert run.returncode == 0
    assert run.stdout.strip(), "labgrade list printed nothing for the repository's labs"
    assert "INVALID" not in run.stdout


def test_list_marks_an_invalid_lab(broken_lab):
    run = labgrade("list", labs=broken_lab.parent)
    assert run.returncode == 0
    assert "INVALID" in run.stdout and "load[0].users" in run.stdout


def test_batch_with_missing_submissions_folder(tmp_path):
    done = labgrade("batch", "00", "--submissions", str(tmp_path / "nope"))
    assert done.returncode == 2
    assert "is not a folder" in done.stderr


def test_batch_rejects_zero_jobs(tmp_path):
    done = labgrade("batch", "00", "--submissions", str(tmp_path), "--jobs", "0")
    assert done.returncode == 2
    assert "--jobs" in done.stderr


def test_grade_with_missing_hidden_tests(tmp_path):
    done = labgrade(
        "grade", "00", "--submission", str(COUNTER_LAB / "starter"), "--tests", str(tmp_path)
    )
    assert done.returncode == 2
    assert "has no hidden tests for 00-counter" in done.stderr


def test_export_refuses_a_folder_with_content(tmp_path):
    (tmp_path / "keep.txt").write_text("an instructor's file")
    for verb in ("export-student", "export-hidden"):
        done = labgrade(verb, str(tmp_path), labs=None)
        assert done.returncode == 2, verb
        assert "not an empty folder" in done.stderr
    assert (tmp_path / "keep.txt").read_text() == "an instructor's file"


def test_version() -> None:
    run = labgrade("--version")
    assert run.returncode == 0 and re.fullmatch(r"labgrade \d+\.\d+\.\d+\n", run.stdout)


def test_a_closed_pipe_ends_quietly() -> None:
    done = subprocess.run(
        f"{sys.executable} -m grader.cli list | head -1",
        shell=True,
        cwd=REPO,
        env={k: v for k, v in os.environ.items() if k != "LABGRADE_LABS"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert len(done.stdout.splitlines()) == 1
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


def test_a_batch_of_an_empty_folder_says_so(tmp_path) -> None:
    (tmp_path / "notes.txt").write_text("no student folder here")
    done = labgrade("batch", "00", "--submissions", str(tmp_path))
    assert done.returncode == 2
    assert "holds no submission folders" in one_line(done.stderr)


@pytest.mark.parametrize("content", ["empty", "another lab"])
def test_grading_nothing_is_a_one_line_usage_error(tmp_path, content) -> None:
    submission = tmp_path / "submission"
    submission.mkdir()
    if content == "another lab":
        (submission / "labs" / "07-other" / "starter").mkdir(parents=True)
        (submission / "notes.md").write_text("my notes")
    out = tmp_path / "out"
    done = labgrade("grade", "00", "--submission", str(submission), "--out", str(out))
    assert done.returncode == 2
    assert "nothing to grade" in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("labgrade:")]
    assert len(lines) == 1, done.stderr
    assert "empty" in lines[0] if content == "empty" else "none of counter.py, hooks.py" in lines[0]
    result = json.loads((out / "result.json").read_text())
    assert result["status"] == "not_submitted" and result["score"] == 0


def test_a_second_run_into_a_busy_report_folder_is_refused(tmp_path) -> None:
    from grader.report.folder import claimed

    out = tmp_path / "out"
    out.mkdir()
    with claimed(out):  # another labgrade run is writing here
        done = labgrade("check", "00", "--out", str(out))
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert "in use by another labgrade run" in line and f"pid {os.getpid()}" in line
    assert list(out.glob("*.json")) == []


def test_a_report_folder_of_other_files_is_refused(tmp_path) -> None:
    (tmp_path / "thesis.tex").write_text("years of work")
    done = labgrade("check", "00", "--out", str(tmp_path))
    assert done.returncode == 2
    assert "labgrade did not write" in one_line(done.stderr)
    assert (tmp_path / "thesis.tex").read_text() == "years of work"


def test_lint_lists_every_problem_of_a_manifest(tmp_path) -> None:
    folder = tmp_path / "00-counter"
    shutil.copytree(COUNTER_LAB, folder, ignore=shutil.ignore_patterns("variants"))
    manifest = folder / "lab.toml"
    text = manifest.read_text().replace("users = 5", 'users = "five"')
    manifest.write_text(text.replace("points = 2", "points = -1", 1))
    run = labgrade("lint", str(folder), labs=tmp_path)
    assert run.returncode == 2
    problems = run.stderr.strip().splitlines()
    assert len(problems) == 2, problems
    assert any("load[0].users" in p for p in problems)
    assert any("check[0].points" in p for p in problems)


def test_a_missing_control_plane_is_said_at_once_with_the_whole_fix(tmp_path) -> None:
    empty = tmp_path / "no-binaries"
    empty.mkdir()
    out = str(tmp_path / "out")
    done = labgrade("check", "06", "--out", out, labs=None, LABGRADE_KUBERNETES_BIN=str(empty))
    assert done.returncode == 3
    assert "not built on this machine" in done.stdout
    fix = next(line for line in done.stdout.splitlines() if line.strip().startswith("fix:"))
    assert f"{REPO}/infra/kubernetes/build-control-plane.sh" in fix
    assert "attempt" not in done.stderr, "a missing binary is not retried"


def test_a_batch_stops_at_once_when_the_lab_cannot_run_here(tmp_path) -> None:
    empty = tmp_path / "no-binaries"
    empty.mkdir()
    for student in ("alice", "bob", "carol"):
        shutil.copytree(REPO / "labs" / "06-multitenancy" / "starter", tmp_path / "class" / student)
    argv = ["batch", "06", "--submissions", str(tmp_path / "class"), "--out", str(tmp_path / "b")]
    done = labgrade(*argv, labs=None, LABGRADE_KUBERNETES_BIN=str(empty))
    assert done.returncode == 3, done.stderr
    assert "not built on this machine" in done.stderr
    assert "fix: " in done.stderr and "build-control-plane.sh" in done.stderr
    assert "Traceback" not in done.stderr
