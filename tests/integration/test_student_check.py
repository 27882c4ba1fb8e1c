"""`labgrade check NN` as a student runs it, on every real lab's untouched starter.

A starter is broken on purpose, mostly in what the hidden checks grade. So the
check must list every group with its points, the hidden ones and the notebook as
graded by the instructor and not run here, and say how much of the lab it covered:
a table of passing smoke tests alone would tell the student that nothing is wrong.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.lab.discovery import lab_folders, load_lab
from grader.report._format import NOT_RUN_HERE, fmt_points

LABS = lab_folders()


def _row(table: str, title: str) -> str:
    rows = [line for line in table.splitlines() if f" {title} " in line]
    assert len(rows) == 1, f"no single row for {title!r} in:\n{table}"
    return rows[0]


@pytest.mark.slow
@pytest.mark.parametrize("folder", LABS, ids=[f.name for f in LABS])
def test_check_on_the_starter_lists_the_whole_lab(folder: Path, tmp_path: Path) -> None:
    lab = load_lab(folder)
    manifest = lab.manifest
    env = {k: v for k, v in os.environ.items() if k != "LABGRADE_LABS"}
    done = subprocess.run(
        [sys.executable, "-m", "grader.cli", "check", lab.number],
        cwd=tmp_path,  # the default report folder lands here, not in the checkout
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = done.stdout
    for check in manifest.check:
        row = _row(table, check.title)
        assert f" {fmt_points(check.points)} " in row, row
        assert (NOT_RUN_HERE in row) == check.hidden, row
    for load in manifest.load:
        row = _row(table, load.title)
        assert row.lstrip().startswith("load") and f" {fmt_points(load.points)} " in row, row
    if manifest.notebook is not None:
        row = _row(table, manifest.notebook.title)
        assert row.lstrip().startswith("notebook") and NOT_RUN_HERE in row, row
    here = sum(c.points for c in manifest.check if not c.hidden)
    here += sum(lo.points for lo in manifest.load)
    line = f"checked here: {fmt_points(here)} of the lab's {fmt_points(manifest.max_score)} points"
    assert line in table
    report = tmp_path / "grading" / "check" / lab.id
    result = json.loads((report / "result.json").read_text())
    assert result["mode"] == "check" and result["status"] == "graded"
    assert result["max_score"] == here and result["lab_max_score"] == manifest.max_score
    assert NOT_RUN_HERE in (report / "feedback.md").read_text()
