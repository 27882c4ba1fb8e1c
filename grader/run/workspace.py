"""The trusted workspace of one run: the submission copied in, the instructor's
tests, locustfiles, support services and manifest laid beside it.

Whatever a student changed outside their lab's code folder (tests, manifest,
locustfiles) is never used, and is listed in the report so nobody is surprised.
"""

from __future__ import annotations

import filecmp
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from grader.lab.discovery import Lab

NOT_SUBMISSION = shutil.ignore_patterns(
    "__pycache__",
    "*.pyc",
    ".git",
    ".venv",
    "venv",
    ".pytest_cache",
    ".hypothesis",
    ".ruff_cache",
    "node_modules",
    "grading",
)
INSTRUCTOR_FOLDERS = ("tests/visible", "tests/hidden", "load", "support")


class SubmissionError(Exception):
    """The submission path cannot be graded (missing, not shaped like the lab)."""


@dataclass
class Workspace:
    root: Path
    submission: Path
    trusted: Path
    state: Path
    logs: Path
    work: Path
    source: Path
    ignored_changes: list[str] = field(default_factory=list)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def locate_submission(lab: Lab, path: Path) -> tuple[Path, Path | None]:
    """(code folder, lab folder of a student repository or None) for a path given by a user."""
    if not path.is_dir():
        raise SubmissionError(f"submission {path} is not a folder")
    code_dir = lab.manifest.lab.submission_dir
    for candidate in sorted(path.glob(f"labs/{lab.number}-*")):
        if (candidate / code_dir).is_dir():
            return candidate / code_dir, candidate
    if (path / "lab.toml").is_file() and (path / code_dir).is_dir():
        return path / code_dir, path
    return path, None


def nothing_submitted(lab: Lab, path: Path) -> str:
    """Why `path` holds no attempt at the lab ("" when it does): an empty folder, or
    one with none of what the lab's code folder holds (a repository of another lab,
    a folder of notes).  Such a submission scores 0 without starting anything."""
    code, _ = locate_submission(lab, path)
    ours = lab.path / lab.manifest.lab.submission_dir
    expected = sorted(_contents(ours)) if ours.is_dir() else []
    present = _contents(code)
    if not present:
        return f"the submission folder {path} is empty"
    if expected and not set(expected) & set(present):
        wanted = ", ".join(f"{name}/" if (ours / name).is_dir() else name for name in expected)
        return (
            f"{path} holds none of the lab's code: no labs/{lab.number}-*/"
            f"{lab.manifest.lab.submission_dir}/ and none of {wanted}"
        )
    return ""


def _contents(folder: Path) -> list[str]:
    """Names in a folder that could be a student's work (no caches, no dotfiles)."""
    names = [entry.name for entry in folder.iterdir() if not entry.name.startswith(".")]
    ignored = NOT_SUBMISSION(str(folder), names)
    return [name for name in names if name not in ignored]


def changed_outside(student_lab: Path, lab: Lab) -> list[str]:
    """Files of a student's copy of the lab, outside the code folder, that differ from ours."""
    code_dir = lab.manifest.lab.submission_dir
    changed = []
    for file in sorted(student_lab.rglob("*")):
        relative = file.relative_to(student_lab)
        if not file.is_file() or relative.parts[0] == code_dir or "__pycache__" in relative.parts:
            continue
        ours = lab.path / relative
        if not ours.is_file() or not filecmp.cmp(file, ours, shallow=False):
            changed.append(str(relative))
    return changed


def build_workspace(lab: Lab, submission_path: Path, hidden_tests: Path | None) -> Workspace:
    """`hidden_tests`: the folder laid in as `tests/hidden` (the lab's own, or a copy
    kept apart from student repositories), or None for a run without hidden checks."""
    code, student_lab = locate_submission(lab, submission_path.resolve())
    root = Path(tempfile.mkdtemp(prefix=f"labgrade-{lab.number}-"))
    try:
        workspace = Workspace(
            root=root,
            submission=root / "submission",
            trusted=root / "trusted",
            state=root / "state",
            logs=root / "logs",
            work=root / "work",
            source=code,
        )
        shutil.copytree(code, workspace.submission, ignore=NOT_SUBMISSION, symlinks=True)
        workspace.trusted.mkdir()
        shutil.copy2(lab.manifest_path, workspace.trusted / "lab.toml")
        sources = {folder: lab.path / folder for folder in INSTRUCTOR_FOLDERS}
        sources["tests/hidden"] = hidden_tests
        for folder, source in sources.items():
            if source is not None and source.is_dir():
                shutil.copytree(source, workspace.trusted / folder, ignore=NOT_SUBMISSION)
        for folder in (workspace.state, workspace.logs, workspace.work):
            folder.mkdir()
        if student_lab is not None and student_lab.resolve() != lab.path:
            workspace.ignored_changes = changed_outside(student_lab, lab)
        return workspace
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
