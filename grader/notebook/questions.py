"""The graded questions of a lab's source notebook: what feedback may say about each.

Titles and concept hints come from the instructor's source notebook (each test
cell's `labgrade` metadata), never from the submitted one, which a student controls.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


class NotebookSourceError(Exception):
    """The lab's source notebook is unreadable or its graded cells are malformed."""


@dataclass(frozen=True)
class Question:
    grade_id: str
    points: float
    title: str
    concept: str


def questions(source_notebook: Path) -> list[Question]:
    """Every autograded test cell, in notebook order."""
    try:
        notebook = json.loads(source_notebook.read_text(encoding="utf-8"))
        cells = notebook["cells"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise NotebookSourceError(f"{source_notebook}: not a readable notebook: {exc}") from None
    found = []
    for index, cell in enumerate(cells):
        metadata = cell.get("metadata", {})
        grading = metadata.get("nbgrader", {})
        if not grading.get("grade") or cell.get("cell_type") != "code":
            continue
        described = metadata.get("labgrade", {})
        where = f"{source_notebook}: cell {index} ({grading.get('grade_id', 'no grade_id')})"
        if not isinstance(grading.get("points"), int | float) or grading["points"] <= 0:
            raise NotebookSourceError(f"{where}: nbgrader 'points' must be a positive number")
        if not described.get("title") or not described.get("concept"):
            raise NotebookSourceError(
                f"{where}: metadata 'labgrade' needs a 'title' and a 'concept' for feedback"
            )
        title, concept = described["title"], described["concept"]
        found.append(Question(grading["grade_id"], float(grading["points"]), title, concept))
    if not found:
        raise NotebookSourceError(f"{source_notebook}: no autograded test cells")
    return found
