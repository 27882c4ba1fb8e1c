"""nbgrader, run in a process of its own: `python -m grader.notebook.worker JOB.json`.

A process of its own because nbgrader is heavy to import, configures logging and
traitlets globally, and must be killable as a group when a notebook runs away.  The
job says what to do (`release`, `autograde` or `gradebook`); the answer is a small JSON file of
points per graded cell and, on failure, a reason chosen from fixed wording: nbgrader's
own messages can quote test cells, so they stay in this process's log.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

COURSE_ID = "labgrade"
GRADEBOOK = "gradebook.db"
SKIPPED_IMPORTS = ("rfc3987_syntax",)
"""An optional jsonschema format checker nbgrader never uses, which builds a grammar at
import: 2 of nbgrader's 5 s start-up on these machines.  jsonschema does without it."""
KERNEL_MANAGER = "grader.notebook.kernel.SandboxedKernelManager"


def _api(course: Path, job: dict[str, Any]):  # -> NbGraderAPI, imported lazily (slow)
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.course_id = COURSE_ID
    kernel = job.get("kernel")
    if kernel is not None:
        config.Execute.kernel_manager_class = KERNEL_MANAGER
        config.Execute.kernel_name = "python3"  # never the one the notebook asks for
        config.Execute.timeout = job["cell_timeout_s"]
        config.Execute.startup_timeout = 30
        manager = config.SandboxedKernelManager
        manager.transport = "ipc"
        manager.ip = str(Path(kernel["sockets_dir"]) / "kernel")
        manager.policy_json = json.dumps(kernel["policy"])
        manager.working_dir = kernel["working_dir"]
        manager.memory_mb = kernel["memory_mb"]
    return NbGraderAPI(config=config)


def release(job: dict[str, Any]) -> dict[str, Any]:
    """The student version of the source folder (solutions and hidden tests stripped),
    and the gradebook that remembers the source's cells for autograding."""
    course, assignment = Path(job["course"]), job["assignment"]
    shutil.copytree(job["source"], course / "source" / assignment)
    error = _release(_api(course, job), course, assignment, Path(job["out"]))
    return {"ok": False, "reason": error} if error else {"ok": True}


def _release(api, course: Path, assignment: str, out: Path) -> str:  # api: NbGraderAPI
    """generate_assignment, its results copied to `out`; the error, or "" when done."""
    outcome = api.generate_assignment(assignment, force=True, create=True)
    if not outcome["success"]:
        return outcome.get("error") or "generate_assignment failed"
    shutil.copytree(course / "release" / assignment, out / "released")
    shutil.copy2(course / GRADEBOOK, out / GRADEBOOK)
    return ""


def autograde(job: dict[str, Any]) -> dict[str, Any]:
    """Points per graded cell of the submitted notebook, keyed by grade_id.

    The gradebook that knows the source's cells comes from the source's cached
    release (`gradebook`) or, on a machine's first grading, from releasing it here,
    in the same process, into `release_into` for the cache."""
    from nbgrader.api import Gradebook

    course, assignment, student = Path(job["course"]), job["assignment"], job["student"]
    api = _api(course, job)
    if job.get("gradebook"):
        shutil.copy2(job["gradebook"], course / GRADEBOOK)
    elif _release(api, course, assignment, Path(job["release_into"])):
        return {"ok": False, "reason": "the lab's source notebook could not be released"}
    with Gradebook(f"sqlite:///{course / GRADEBOOK}") as gradebook:
        gradebook.update_or_create_student(student)
    outcome = api.autograde(assignment, student, force=True, create=True)
    if not outcome["success"]:
        return {"ok": False, "reason": _failure_reason(outcome.get("log") or "", job)}
    cells: dict[str, list[float]] = {}
    notebook = Path(job["notebook"]).stem
    with Gradebook(f"sqlite:///{course / GRADEBOOK}") as gradebook:
        submitted = gradebook.find_submission_notebook(notebook, assignment, student)
        for grade in submitted.grades:
            cells[grade.name] = [float(grade.score), float(grade.max_score)]
    return {"ok": True, "cells": cells}


def write_gradebook(job: dict[str, Any]) -> dict[str, Any]:
    """Lab scores into an nbgrader gradebook: per lab an assignment (created if the
    instructor's course has none) with a notebook of one grade cell per check, whose
    autograded score is the check's points; formgrader adds them up, and an
    instructor can still override any of them by hand."""
    from nbgrader import api

    notebook = job["notebook"]
    with api.Gradebook(f"sqlite:///{job['db']}") as gradebook:
        for lab in job["labs"]:
            gradebook.update_or_create_assignment(lab["assignment"])
            gradebook.update_or_create_notebook(notebook, lab["assignment"])
            for name, max_score in lab["cells"]:
                gradebook.update_or_create_grade_cell(
                    name, notebook, lab["assignment"], max_score=max_score, cell_type="code"
                )
        for entry in job["entries"]:
            student, assignment = entry["student"], entry["assignment"]
            gradebook.update_or_create_student(student)
            submission = gradebook.update_or_create_submission(assignment, student)
            _add_missing_grades(gradebook, submission, notebook)
            for name, points in entry["points"].items():
                grade = gradebook.find_grade(name, notebook, assignment, student)
                grade.auto_score = points
                grade.needs_manual_grade = False
            gradebook.db.commit()
    return {"ok": True}


def _add_missing_grades(gradebook, submission, name: str) -> None:  # nbgrader ORM objects
    """Give the submission its copy of our notebook with a grade row per cell: one made
    before the notebook was added (by nbgrader, for the instructor's own notebooks)
    lacks them, and nbgrader only creates them with a new submission."""
    from nbgrader import api

    found = next((nb for nb in submission.notebooks if nb.notebook.name == name), None)
    if found is None:
        notebook = next(nb for nb in submission.assignment.notebooks if nb.name == name)
        found = api.SubmittedNotebook(notebook=notebook, assignment=submission)
        gradebook.db.add(found)
    graded = {grade.cell.name for grade in found.grades}
    for cell in found.notebook.grade_cells:
        if cell.name not in graded:
            gradebook.db.add(api.Grade(cell=cell, notebook=found))
    gradebook.db.commit()


def _failure_reason(log: str, job: dict[str, Any]) -> str:
    if "Timeout" in log or "timed out" in log:
        return f"a cell ran longer than {job['cell_timeout_s']} s"
    if "Kernel died" in log or "DeadKernelError" in log:
        return (
            "the notebook's kernel died (it may have used more than "
            f"{job['kernel']['memory_mb']} MB)"
        )
    if "missing" in log.lower() or "checksum" in log.lower():
        return "graded cells are missing or were changed: start again from the released notebook"
    return "nbgrader could not run the notebook"


def main(argv: list[str]) -> int:
    for name in SKIPPED_IMPORTS:
        sys.modules[name] = None  # type: ignore[assignment]  # import raises ImportError
    job_path = Path(argv[1])
    job = json.loads(job_path.read_text(encoding="utf-8"))
    actions = {"release": release, "autograde": autograde, "gradebook": write_gradebook}
    answer = actions[job["action"]](job)
    Path(job["answer"]).write_text(json.dumps(answer), encoding="utf-8")
    return 0 if answer["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
