"""`gradebook.csv`: one row per student, the columns an instructor pastes into an LMS.

Points per check are columns named after the manifest's checks and load checks, so
that a spreadsheet can show which concept a student missed; a run that could not be
graded has an empty score, never a zero.
"""

from __future__ import annotations

import csv
from pathlib import Path

from grader.batch.class_report import StudentEntry
from grader.lab.discovery import Lab
from grader.report._format import round_points

FILENAME = "gradebook.csv"
NOT_GRADED = "not_graded"
"""The status of a student whose grading itself failed (no result at all)."""


def columns(lab: Lab) -> list[str]:
    manifest = lab.manifest
    parts = [f"points:{c.name}" for c in manifest.check] + [
        f"points:{lo.name}" for lo in manifest.load
    ]
    return ["student", "lab", "score", "max_score", "status", *parts, "wall_s"]


def row(lab: Lab, entry: StudentEntry) -> dict[str, str]:
    result = entry.result
    out = {"student": entry.student, "lab": lab.id, "wall_s": f"{entry.wall_s:.1f}"}
    if result is None:
        return out | {"status": NOT_GRADED, "max_score": f"{lab.manifest.max_score:g}"}
    out |= {
        "score": "" if result.score is None else f"{round_points(result.score):g}",
        "max_score": f"{result.max_score:g}",
        "status": result.status,
    }
    if result.score is not None:
        for part in [*result.checks, *result.loads]:
            out[f"points:{part.name}"] = f"{round_points(part.points):g}"
    return out


def write(lab: Lab, entries: list[StudentEntry], out_file: Path) -> Path:
    with out_file.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns(lab), restval="")
        writer.writeheader()
        for entry in entries:
            writer.writerow(row(lab, entry))
    return out_file
