"""Benchmark what the analysis notebook adds to a lab's grading.

The notebook phase is nbgrader end to end: its start-up in a worker process, a
throw-away course, the sandboxed kernel's start and the notebook's run.  The first
grading of a lab on a machine also releases its source notebook (nbgrader's
`generate_assignment`, kept in the cache after that), so the script empties that
cache entry first: run 1 is what a fresh machine pays, the later runs what every
other grading pays.  It times the same `grade_notebook()` that `grade()` calls, on
each lab's reference notebook and on its released blank, several times each.

    python bench/notebook_bench.py [--lab 03 ...] [--runs 3] [--json OUT]

Exit code: 0 when every run scored what it should (the reference all the notebook's
points, the blank none), 1 otherwise, 2 when a lab cannot be found.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from grader.lab.discovery import Lab, LabNotFound, lab_folders, load_lab, resolve_lab
from grader.lab.manifest import NotebookSpec
from grader.notebook.autograde import NotebookRun, grade_notebook
from grader.notebook.release import release_cache_entry

BUDGET_S = 15.0
"""What the notebook may add to a lab's grading (issue 7)."""


@dataclass
class Timing:
    lab: str
    notebook: str
    seconds: list[float]
    points: list[float]
    expected_points: float

    @property
    def ok(self) -> bool:
        return all(abs(p - self.expected_points) < 0.01 for p in self.points)


def time_notebook(lab: Lab, code_dir: str, runs: int) -> Timing:
    spec = lab.manifest.notebook
    assert spec is not None
    seconds, points = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="labgrade-notebook-bench-") as scratch:
            submission = Path(scratch) / "submission"
            shutil.copytree(
                lab.path / code_dir / NotebookSpec.submission_folder,
                submission / NotebookSpec.submission_folder,
            )
            run = NotebookRun(
                lab.id, lab.path / NotebookSpec.source_dir, submission, Path(scratch) / "nb", ()
            )
            started = time.perf_counter()
            result = grade_notebook(spec, run)
            seconds.append(time.perf_counter() - started)
            points.append(result.points)
    reference = code_dir == lab.manifest.lab.reference_dir
    return Timing(lab.id, code_dir, seconds, points, spec.points if reference else 0.0)


def table(timings: list[Timing]) -> str:
    lines = [
        "| lab | notebook | run 1 s | later runs: median s | max s | points "
        f"| all within {BUDGET_S:g} s |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for t in timings:
        within = "yes" if max(t.seconds) <= BUDGET_S else "NO"
        points = "/".join(f"{p:g}" for p in sorted(set(t.points)))
        later = t.seconds[1:] or t.seconds
        lines.append(
            f"| {t.lab} | {t.notebook} | {t.seconds[0]:.2f} | {statistics.median(later):.2f} "
            f"| {max(later):.2f} | {points} (want {t.expected_points:g}) | {within} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lab", action="append", default=[], metavar="LAB")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", metavar="OUT", help="also write the raw timings here")
    args = parser.parse_args(argv)
    try:
        labs = [resolve_lab(ref) for ref in args.lab] or [load_lab(f) for f in lab_folders()]
    except LabNotFound as exc:
        print(exc, file=sys.stderr)
        return 2
    timings = []
    for lab in labs:
        if lab.manifest.notebook is None:
            continue
        source = lab.path / NotebookSpec.source_dir
        shutil.rmtree(release_cache_entry(lab.id, source), ignore_errors=True)
        manifest = lab.manifest.lab
        for code_dir in (manifest.reference_dir, manifest.submission_dir):
            print(f"{lab.id} {code_dir}...", file=sys.stderr, flush=True)
            timings.append(time_notebook(lab, code_dir, args.runs))
    print(table(timings))
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(t) for t in timings], indent=2))
    return 0 if all(t.ok for t in timings) else 1


if __name__ == "__main__":
    raise SystemExit(main())
