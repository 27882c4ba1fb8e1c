"""nbgrader, run in a process of its own: `python -m grader.notebook.worker JOB.json`.

A process of its own because nbgrader is heavy to import, configures logging and
traitlets globally, and must be killable as a group when a notebook runs away.  The
job says what to do (`release` or `autograde`); the answer is a small JSON file of
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
    """The student version of the source folder: solutions and hidden tests stripped."""
    course, assignment = Path(job["course"]), job["assignment"]
    shutil.copytree(job["source"], course / "source" / assignment)
    outcome = _api(course, job).generate_assignment(assignment, force=True, create=True)
    if not outcome["success"]:
        return {"ok": False, "reason": outcome.get("error") or "generate_assignment failed"}
    target = Path(job["out"])
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(course / "release" / assignment, target)
    return {"ok": True}


def autograde(job: dict[str, Any]) -> dict[str, Any]:
    """Points per graded cell of the submitted notebook, keyed by grade_id."""
    from nbgrader.api import Gradebook

    course, assignment, student = Path(job["course"]), job["assignment"], job["student"]
    api = _api(course, job)
    released = api.generate_assignment(assignment, force=True, create=True)
    if not released["success"]:
        return {"ok": False, "reason": "the lab's source notebook could not be released"}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        gradebook.update_or_create_student(student)
    outcome = api.autograde(assignment, student, force=True, create=True)
    if not outcome["success"]:
        return {"ok": False, "reason": _failure_reason(outcome.get("log") or "", job)}
    cells: dict[str, list[float]] = {}
    notebook = Path(job["notebook"]).stem
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submitted = gradebook.find_submission_notebook(notebook, assignment, student)
        for grade in submitted.grades:
            cells[grade.name] = [float(grade.score), float(grade.max_score)]
    return {"ok": True, "cells": cells}


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
    answer = {"release": release, "autograde": autograde}[job["action"]](job)
    Path(job["answer"]).write_text(json.dumps(answer), encoding="utf-8")
    return 0 if answer["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
