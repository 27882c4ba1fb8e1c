"""`labgrade export-gradebook --nbgrader DB`: a class's lab scores in nbgrader's gradebook.

Instructors who run nbgrader's formgrader then see each lab beside their own
notebooks: the lab is an assignment, and its checks, load checks and analysis
notebook are the grade cells of a notebook named `labgrade`.  Writing again updates
the same rows, so exporting after a re-grade is safe.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.batch.runner import STUDENTS_DIR
from grader.notebook.runner import run_worker, worker_log_tail
from grader.result import GradingResult

NOTEBOOK = "labgrade"
TIMEOUT_S = 300


class GradebookExportError(Exception):
    """Nothing to export, or nbgrader refused the database."""


@dataclass(frozen=True)
class GradebookExport:
    students: int
    labs: tuple[str, ...]
    skipped: tuple[str, ...]
    """Students whose run has no score (infrastructure failed): left out, never a zero."""


def graded_runs(batch_dirs: list[Path]) -> list[tuple[str, GradingResult]]:
    """(student, result) for every student folder of `labgrade batch` outputs."""
    runs = []
    for batch in batch_dirs:
        students = batch / STUDENTS_DIR
        if not students.is_dir():
            raise GradebookExportError(f"{batch} has no {STUDENTS_DIR}/: is it a batch's --out?")
        for result_file in sorted(students.glob("*/result.json")):
            runs.append((result_file.parent.name, GradingResult.read(result_file)))
    if not runs:
        raise GradebookExportError("no graded student in " + ", ".join(map(str, batch_dirs)))
    return runs


def export_gradebook(runs: list[tuple[str, GradingResult]], database: Path) -> GradebookExport:
    cells: dict[str, dict[str, float]] = {}
    entries, skipped = [], []
    for student, result in runs:
        if result.score is None:
            skipped.append(student)
            continue
        groups = [(c.name, c.max_points, c.points) for c in result.checks]
        groups += [(lo.name, lo.max_points, lo.points) for lo in result.loads]
        lab_cells = cells.setdefault(result.lab, {})
        for name, max_points, _ in groups:
            lab_cells[name] = max(max_points, lab_cells.get(name, 0.0))
        points = {name: earned for name, _, earned in groups}
        entries.append({"student": student, "assignment": result.lab, "points": points})
    for entry in entries:  # nothing submitted: a real 0 in every cell the lab has
        if not entry["points"]:
            entry["points"] = dict.fromkeys(cells.get(entry["assignment"], {}), 0.0)
    job = {
        "action": "gradebook",
        "db": str(database.resolve()),
        "notebook": NOTEBOOK,
        "labs": [
            {"assignment": lab, "cells": sorted(lab_cells.items())}
            for lab, lab_cells in cells.items()
        ],
        "entries": entries,
    }
    database.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="labgrade-gradebook-") as scratch:
        answer = run_worker(job, Path(scratch), TIMEOUT_S)
        if not answer["ok"] or not database.is_file():
            tail = worker_log_tail(Path(scratch), lines=12)
            raise GradebookExportError(
                f"nbgrader could not write {database}: {answer.get('reason', '')}\n{tail}"
            )
    students = {entry["student"] for entry in entries}
    return GradebookExport(len(students), tuple(sorted(cells)), tuple(skipped))
