"""Grade the submission's analysis notebook: one check group of the lab's result.

The course folder, the gradebook and nbgrader's log live in a scratch folder that
the kernel cannot see and that is removed with the workspace; the result carries
only points per question and the source notebook's own titles and concept hints.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

from grader.lab.manifest import NotebookSpec
from grader.notebook.questions import Question, questions
from grader.notebook.release import keep_release, release_cache_entry
from grader.notebook.runner import run_worker
from grader.notebook.worker import GRADEBOOK
from grader.result import CheckResult, TestOutcome
from grader.run import sandbox

STUDENT = "student"
KERNEL_MEMORY_MB = 2048
IMPORT_ALLOWANCE_S = 20
"""nbgrader's own start-up (imports, database) is not the student's time."""


@dataclasses.dataclass(frozen=True)
class NotebookRun:
    assignment: str
    source_dir: Path
    """The lab's source folder (solutions, hidden tests, data files): trusted."""
    submission_dir: Path
    """The workspace copy of the student's code folder."""
    scratch: Path
    hidden: tuple[str, ...]
    """Folders the kernel must not see (the workspace, the labs, the results)."""


def notebook_group(spec: NotebookSpec) -> CheckResult:
    """The notebook as a hidden check group, before (or without) its grading."""
    return CheckResult(
        name=spec.name,
        title=spec.title,
        concept=spec.concept,
        points=0.0,
        max_points=spec.points,
        hidden=True,
        visibility="after_published",
    )


def grade_notebook(spec: NotebookSpec, run: NotebookRun) -> CheckResult:
    asked = questions(run.source_dir / spec.file)
    result = notebook_group(spec)
    submitted = run.submission_dir / spec.submission_folder / spec.file
    problem = _unusable(submitted, spec)
    if problem:
        result.message = problem
        result.tests = [TestOutcome(q.title, "not_run", message=q.concept) for q in asked]
        return result
    cached = release_cache_entry(run.assignment, run.source_dir)
    job = _job(spec, run, submitted, cached if cached.is_dir() else None)
    kernel_home = job["kernel"]["working_dir"]
    answer = run_worker(job, run.scratch, spec.timeout_s + IMPORT_ALLOWANCE_S, sweep=kernel_home)
    if job["release_into"]:
        keep_release(Path(job["release_into"]), cached)
    if not answer["ok"]:
        result.message = f"the notebook was not graded: {answer['reason']}"
        result.tests = [TestOutcome(q.title, "error", message=q.concept) for q in asked]
        return result
    result.tests = [_outcome(q, answer["cells"]) for q in asked]
    earned = sum(min(answer["cells"].get(q.grade_id, [0.0])[0], q.points) for q in asked)
    possible = sum(q.points for q in asked)
    result.points = round(spec.points * earned / possible, 2)
    return result


def _unusable(submitted: Path, spec: NotebookSpec) -> str:
    where = f"{spec.submission_folder}/{spec.file}"
    if submitted.is_symlink() or (submitted.exists() and not submitted.is_file()):
        return f"{where} must be a regular file, not a link or a folder"
    if not submitted.exists():
        return f"no notebook at {where}: copy the released one from the starter and answer it there"
    try:
        json.loads(submitted.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        kind = type(exc).__name__
        return f"{where} is not a readable notebook ({kind}): was it saved by Jupyter?"
    return ""


def _job(spec: NotebookSpec, run: NotebookRun, submitted: Path, cached: Path | None) -> dict:
    """`cached`: the source's release, when a grading on this machine has made it."""
    course = run.scratch / "course"
    kernel_home = run.scratch / "kernel"
    sockets = run.scratch / "sockets"
    shutil.copytree(run.source_dir, course / "source" / run.assignment)
    handed_in = course / "submitted" / STUDENT / run.assignment
    handed_in.mkdir(parents=True)
    shutil.copyfile(submitted, handed_in / spec.file)
    # The kernel's own folder holds the data files the questions read, nothing else:
    # the notebook nbgrader executes (with hidden tests filled in) is not in it.
    shutil.copytree(run.source_dir, kernel_home, ignore=shutil.ignore_patterns("*.ipynb"))
    sockets.mkdir()
    policy = sandbox.Policy(
        writable=(str(kernel_home), str(sockets)),
        hidden=(str(run.scratch), *run.hidden),
        readable=sandbox.runtime_paths(),
        network=False,
    )
    return {
        "action": "autograde",
        "course": str(course),
        "gradebook": str(cached / GRADEBOOK) if cached else "",
        "release_into": "" if cached else str(run.scratch / "release"),
        "assignment": run.assignment,
        "student": STUDENT,
        "notebook": spec.file,
        # nbgrader interrupts a cell that runs longer, and goes on with the next one.
        "cell_timeout_s": max(1, int(spec.timeout_s / 2)),
        "kernel": {
            "working_dir": str(kernel_home),
            "sockets_dir": str(sockets),
            "policy": dataclasses.asdict(policy),
            "memory_mb": KERNEL_MEMORY_MB,
        },
    }


def _outcome(question: Question, cells: dict[str, list[float]]) -> TestOutcome:
    score = cells.get(question.grade_id, [0.0])[0]
    if score >= question.points - 1e-9:
        return TestOutcome(question.title, "passed")
    return TestOutcome(question.title, "failed", message=question.concept)
