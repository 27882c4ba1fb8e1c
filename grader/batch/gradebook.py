"""`gradebook.csv`: one row per student, the columns an instructor pastes into an LMS.

Points per part are columns named after the manifest's checks, load checks and the
analysis notebook, so that a spreadsheet can show which concept a student missed,
and a row's parts add up to its score.  A run that could not be graded has an empty
score, never a zero; a student who submitted nothing has a real 0 (`not_submitted`).
The file is written beside its final name and renamed into place: a reader never
sees half a gradebook.
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


def part_names(lab: Lab) -> list[str]:
    """Every part a result of this lab can hold points for, in the manifest's order."""
    manifest = lab.manifest
    names = [c.name for c in manifest.check] + [lo.name for lo in manifest.load]
    if manifest.notebook is not None:
        names.append(manifest.notebook.name)
    return names


def columns(lab: Lab, entries: list[StudentEntry] = ()) -> list[str]:
    """The header: the lab's parts, then any part a result holds that the manifest no
    longer names (a resumed batch after an edit), so no row can break the file."""
    names = part_names(lab)
    for entry in entries:
        if entry.result is not None:
            parts = [*entry.result.checks, *entry.result.loads]
            names += [p.name for p in parts if p.name not in names]
    parts = [f"points:{name}" for name in names]
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
    if result.status == "not_submitted":
        out |= {f"points:{name}": "0" for name in part_names(lab)}
    elif result.score is not None:
        for part in [*result.checks, *result.loads]:
            out[f"points:{part.name}"] = f"{round_points(part.points):g}"
    return out


def write(lab: Lab, entries: list[StudentEntry], out_file: Path) -> Path:
    partial = out_file.with_name(f".{out_file.name}.partial")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns(lab, entries), restval="")
        writer.writeheader()
        for entry in entries:
            writer.writerow(row(lab, entry))
    partial.replace(out_file)
    return out_file
