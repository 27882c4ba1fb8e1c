"""The student version of a lab's notebook, made by `nbgrader generate_assignment`."""

from __future__ import annotations

import contextlib
import filecmp
import hashlib
import shutil
import tempfile
from importlib.metadata import version
from pathlib import Path

from grader.cache import cache_root
from grader.lab.discovery import Lab
from grader.lab.manifest import NotebookSpec
from grader.notebook.questions import NotebookSourceError
from grader.notebook.runner import run_worker, worker_log_tail
from grader.notebook.worker import GRADEBOOK

RELEASE_TIMEOUT_S = 120
CACHE_LAYOUT = "released/ and gradebook.db"


def released_course(assignment: str, source_dir: Path) -> Path:
    """What releasing `source_dir` made: `released/` (what students get) and
    `gradebook.db` (nbgrader's record of the source's cells, hidden tests included,
    which autograde writes back into the submitted notebook).

    Releasing is deterministic, so it is kept in the cache under the digest of its
    source: exports, `release-notebooks --check` and every grading after the first
    skip nbgrader's `generate_assignment` and the database's creation.
    """
    cached = release_cache_entry(assignment, source_dir)
    if not cached.is_dir():
        _release_into(assignment, source_dir, cached)
    return cached


def release_cache_entry(assignment: str, source_dir: Path) -> Path:
    """Where the release of this very source is cached (present or not)."""
    return cache_root() / "released-notebooks" / _digest(assignment, source_dir)


def release_notebook(lab: Lab, source_dir: Path, out_dir: Path) -> None:
    """Write the released notebook and its data files to out_dir (replaced if present)."""
    released = released_course(lab.id, source_dir) / "released"
    shutil.rmtree(out_dir, ignore_errors=True)
    shutil.copytree(released, out_dir)


def _release_into(assignment: str, source_dir: Path, target: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="labgrade-release-") as scratch:
        staged = Path(scratch) / "staged"
        job = {
            "action": "release",
            "course": str(Path(scratch) / "course"),
            "assignment": assignment,
            "source": str(source_dir),
            "out": str(staged),
        }
        answer = run_worker(job, Path(scratch), RELEASE_TIMEOUT_S)
        if not answer["ok"]:
            tail = worker_log_tail(Path(scratch))
            raise NotebookSourceError(
                f"{assignment}: nbgrader could not release {source_dir}: {answer['reason']}\n{tail}"
            )
        keep_release(staged, target)


def keep_release(staged: Path, target: Path) -> None:
    """Move a complete release (what the worker wrote) into its cache entry."""
    if not (staged / "released").is_dir() or not (staged / GRADEBOOK).is_file():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):  # another process may have released it first
        staged.rename(target)


def _digest(assignment: str, source_dir: Path) -> str:
    salt = f"{assignment}\0nbgrader {version('nbgrader')}\0{CACHE_LAYOUT}\0"
    digest = hashlib.sha256(salt.encode())
    for path in sorted(p for p in source_dir.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(source_dir)}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:24]


def sync_lab_notebooks(lab: Lab, *, check_only: bool) -> list[str]:
    """Bring the lab's two committed copies in line with its source notebook: the
    released one in the starter, the source itself as the reference solution's.
    Returns the folders that were (or, with check_only, would be) rewritten."""
    spec = lab.manifest.notebook
    source = lab.path / NotebookSpec.source_dir
    if spec is None or not source.is_dir():
        return []
    manifest = lab.manifest.lab
    released = lab.path / manifest.submission_dir / NotebookSpec.submission_folder
    reference = lab.path / manifest.reference_dir / NotebookSpec.submission_folder
    stale = []
    with tempfile.TemporaryDirectory(prefix="labgrade-release-") as scratch:
        fresh = Path(scratch) / "released"
        release_notebook(lab, source, fresh)
        for wanted, target in ((fresh, released), (source, reference)):
            if not target.parent.is_dir() or _same_tree(wanted, target):
                continue
            stale.append(str(target))
            if not check_only:
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(wanted, target)
    return stale


def _same_tree(left: Path, right: Path) -> bool:
    if not right.is_dir():
        return False
    names = sorted(p.relative_to(left) for p in left.rglob("*") if p.is_file())
    theirs = sorted(p.relative_to(right) for p in right.rglob("*") if p.is_file())
    return names == theirs and all(
        filecmp.cmp(left / name, right / name, shallow=False) for name in names
    )
