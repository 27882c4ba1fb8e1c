"""A run's report folder: claimed for the whole run, replaced whole when complete,
never mixed with an earlier run's files, and never taken from a user's own files."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.report.folder import LOCK_NAME, ReportFolder, ReportFolderError, claimed


def _write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)


def _listing(folder: Path) -> dict[str, str]:
    """The reports a reader sees (not the claim, not a run's staging folder)."""
    return {
        str(p.relative_to(folder)): p.read_text()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    }


def test_a_published_run_replaces_every_earlier_report(tmp_path: Path) -> None:
    out = tmp_path / "grading"
    with ReportFolder(out) as first:
        _write(first.staging, {"result.json": "1", "logs/api.log": "old", "junit.xml": "x"})
        first.publish()
    with ReportFolder(out) as second:
        _write(second.staging, {"result.json": "2", "logs/projector.log": "new"})
        assert _listing(out) == {"result.json": "1", "logs/api.log": "old", "junit.xml": "x"}
        second.publish()
    assert _listing(out) == {"result.json": "2", "logs/projector.log": "new"}
    assert [p.name for p in second.reports()] == ["result.json"]


def test_a_run_that_never_publishes_leaves_the_earlier_reports_alone(tmp_path: Path) -> None:
    out = tmp_path / "grading"
    with ReportFolder(out) as first:
        _write(first.staging, {"result.json": "graded"})
        first.publish()
    with pytest.raises(RuntimeError), ReportFolder(out) as broken:
        _write(broken.staging, {"logs/api.log": "half a run"})
        raise RuntimeError("a grader bug half-way")
    assert _listing(out) == {"result.json": "graded"}
    assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME, "result.json"]


def test_a_second_run_into_a_claimed_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "grading"
    with ReportFolder(out):
        with pytest.raises(ReportFolderError, match=r"in use by another labgrade run \(pid \d+"):
            ReportFolder(out).__enter__()
        with pytest.raises(ReportFolderError, match="in use"):
            claimed(out).__enter__()
    with ReportFolder(out) as again:  # released: the next run may go
        again.publish()


def test_a_folder_of_someone_elses_files_is_never_emptied(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("an instructor's notes")
    with pytest.raises(ReportFolderError, match="did not write"):
        ReportFolder(tmp_path).__enter__()
    assert _listing(tmp_path) == {"notes.txt": "an instructor's notes"}
    file = tmp_path / "a-file"
    file.write_text("")
    with pytest.raises(ReportFolderError, match="is a file"):
        ReportFolder(file).__enter__()


def test_what_a_killed_run_left_in_staging_is_swept(tmp_path: Path) -> None:
    out = tmp_path / "grading"
    _write(out, {"result.json": "graded", ".incoming-dead/result.json": "half"})
    with ReportFolder(out) as folder:
        assert not (out / ".incoming-dead").exists()
        _write(folder.staging, {"result.json": "new"})
        folder.publish()
    assert _listing(out) == {"result.json": "new"}
