"""Benchmark `labgrade batch`: what it buys against grading one by one, and whether a
student's load points are the same in a batch as alone.

    python bench/batch_bench.py compare [--lab 03] [--students 10] [--jobs 2] [--no-load]
                                        [--batch-only]
    python bench/batch_bench.py fairness [--lab 02 --lab 03] [--copies 6] [--jobs 2]
                                         [--solo-runs 3]

`compare` grades a class of N copies of the lab's variants (starter, partial,
solution, alternative, round robin) one by one and then as a batch, and prints the
wall times and whether every score agrees.  `fairness` grades the reference solution
alone a few times (the figures' own noise) and then as a class of identical copies
in one batch, and prints every copy's load points and figures beside the solo
gradings': a batch is fair when every copy gets full marks and the copies' load
points spread by at most 5% of the load's maximum.

Tables go to stdout, progress to stderr. Exit code: 0 when the check held (the
scores agree; the batch is fair), 1 otherwise, 2 when the lab has no variants or
no solution.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from grader.batch.runner import BatchRequest, run_batch
from grader.grade import GradeRequest, grade
from grader.lab.discovery import Lab, LabNotFound, resolve_lab
from grader.report._format import fmt_num, fmt_points
from grader.result import GradingResult
from grader.selftest import materialize, variants

FAIR_SPREAD = 0.05
"""The largest spread of load points across identical copies, as a share of the load's
maximum, that still counts as fair."""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    modes = parser.add_subparsers(dest="mode")
    compare = modes.add_parser("compare", help="a batch against one by one (the default)")
    compare.add_argument("--lab", default="03")
    compare.add_argument("--students", type=int, default=10)
    compare.add_argument("--jobs", type=int, default=2)
    compare.add_argument("--no-load", action="store_true")
    compare.add_argument(
        "--batch-only", action="store_true", help="time the batch alone (no one-by-one run)"
    )
    fairness = modes.add_parser("fairness", help="identical copies: load points in a batch")
    fairness.add_argument("--lab", action="append", help="repeatable (default: 02 and 03)")
    fairness.add_argument("--copies", type=int, default=6)
    fairness.add_argument("--jobs", type=int, default=2)
    fairness.add_argument(
        "--solo-runs", type=int, default=3, help="gradings alone, for the figures' own noise"
    )
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("compare", "fairness", "-h", "--help"):
        argv.insert(0, "compare")  # `batch_bench.py --lab 03`, as before the modes existed
    return parser.parse_args(argv)


def _say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def make_class(lab: Lab, students: int, into: Path) -> Path:
    """`s01-starter`, `s02-partial`, ...: one folder per student, as a bulk clone."""
    found = variants(lab)
    scratch = into / "variants"
    built = {v.name: materialize(lab, v, scratch) for v in found}
    class_dir = into / "class"
    class_dir.mkdir()
    for i in range(students):
        variant = found[i % len(found)].name
        (class_dir / f"s{i + 1:02d}-{variant}").symlink_to(built[variant], target_is_directory=True)
    return class_dir


def compare(args: argparse.Namespace) -> int:
    try:
        lab = resolve_lab(args.lab)
    except LabNotFound as exc:
        print(exc, file=sys.stderr)
        return 2
    if not variants(lab):
        print(f"{lab.id} has no variants/ to build a class from", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="labgrade-batch-bench-") as scratch:
        root = Path(scratch)
        class_dir = make_class(lab, args.students, root)
        students = sorted(p.name for p in class_dir.iterdir())
        began = time.monotonic()
        alone = {}
        for student in [] if args.batch_only else students:
            _say(f"one by one: {student}")
            request = GradeRequest(
                lab=lab,
                submission=class_dir / student,
                out_dir=root / "alone" / student,
                with_load=not args.no_load,
            )
            alone[student] = grade(request, progress=lambda _: None)
        one_by_one_s = time.monotonic() - began
        outcome = run_batch(
            BatchRequest(
                lab=lab,
                submissions=class_dir,
                out_dir=root / "batch",
                jobs=args.jobs,
                with_load=not args.no_load,
            ),
            say=_say,
        )
    batched = {e.student: e.result for e in outcome.entries}
    print(f"## {lab.id}: {len(students)} students, --jobs {args.jobs}\n")
    if args.batch_only:
        scores = ", ".join(f"{s}: {fmt_points(r.score if r else None)}" for s, r in batched.items())
        print(f"batch: {outcome.wall_s:.1f} s ({scores})")
        return 0
    print("| student | one by one | batch | agree |")
    print("|---|---:|---:|---|")
    agree = True
    for student in students:
        a, b = alone[student].score, batched[student].score if batched[student] else None
        same = a is not None and a == b
        agree &= same
        print(f"| {student} | {fmt_points(a)} | {fmt_points(b)} | {'yes' if same else 'NO'} |")
    print("\n| way | wall s | per student s |")
    print("|---|---:|---:|")
    for way, seconds in (("one by one", one_by_one_s), ("batch", outcome.wall_s)):
        print(f"| {way} | {seconds:.1f} | {seconds / len(students):.1f} |")
    print(f"\nbatch / one by one: {outcome.wall_s / one_by_one_s:.2f}")
    return 0 if agree else 1


def _load_row(name: str, result: GradingResult | None) -> tuple[str, list[float | None]]:
    """A table row: the copy, its total, each load check's points and figures."""
    if result is None or result.score is None:
        return f"| {name} | not graded |", []
    points = [load.points for load in result.loads]
    cells = [fmt_points(result.score)]
    for load in result.loads:
        cells.append(fmt_points(load.points))
        cells += [fmt_num(t.value) for t in load.thresholds]
    return f"| {name} | " + " | ".join(cells) + " |", points


def fairness(args: argparse.Namespace) -> int:
    fair = True
    for ref in args.lab or ["02", "03"]:
        try:
            lab = resolve_lab(ref)
        except LabNotFound as exc:
            print(exc, file=sys.stderr)
            return 2
        solution = lab.path / lab.manifest.lab.reference_dir
        if not solution.is_dir():
            print(f"{lab.id} has no {solution.name}/ to copy", file=sys.stderr)
            return 2
        fair &= _fairness_of(lab, solution, args.copies, args.jobs, args.solo_runs)
    return 0 if fair else 1


def _fairness_of(lab: Lab, solution: Path, copies: int, jobs: int, solo_runs: int) -> bool:
    with tempfile.TemporaryDirectory(prefix="labgrade-fairness-") as scratch:
        root = Path(scratch)
        solos = []
        for run in range(1, solo_runs + 1):
            _say(f"{lab.id}: the solution alone, run {run}/{solo_runs}")
            request = GradeRequest(lab=lab, submission=solution, out_dir=root / f"solo{run}")
            solos.append(grade(request, progress=lambda _: None))
        class_dir = root / "class"
        class_dir.mkdir()
        for i in range(copies):
            (class_dir / f"copy{i + 1}").symlink_to(solution, target_is_directory=True)
        outcome = run_batch(
            BatchRequest(lab=lab, submissions=class_dir, out_dir=root / "batch", jobs=jobs),
            say=_say,
        )
    header = ["copy", "score"]
    for spec in lab.manifest.load:
        header += [f"{spec.name} points", *(t.figure for t in spec.threshold)]
    print(f"## {lab.id}: {copies} copies of the solution, --jobs {jobs}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for run, solo in enumerate(solos, start=1):
        line, _ = _load_row(f"alone, run {run}", solo)
        print(line)
    load_points: list[list[float]] = []
    full = True
    for entry in outcome.entries:
        line, points = _load_row(entry.student, entry.result)
        print(line)
        load_points.append(points)
        result = entry.result
        full &= result is not None and result.score == result.max_score
    spreads = []
    for index, spec in enumerate(lab.manifest.load):
        values = [p[index] for p in load_points if len(p) > index]
        spread = (max(values) - min(values)) / spec.points if values and spec.points else 0.0
        spreads.append(spread)
        print(f"\n{spec.name}: load points spread {spread:.1%} of its {spec.points:g} points")
    wall = outcome.wall_s
    alone_s = [solo.timings.get("total_s", 0.0) for solo in solos]
    print(f"alone: {', '.join(f'{t:.1f}' for t in alone_s)} s a grading")
    print(f"batch wall time {wall:.1f} s, {wall / copies:.1f} s per copy")
    fair = full and all(s <= FAIR_SPREAD for s in spreads) and len(load_points) == copies
    print(f"every copy full marks: {'yes' if full else 'NO'}; fair: {'yes' if fair else 'NO'}\n")
    return fair


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return fairness(args) if args.mode == "fairness" else compare(args)


if __name__ == "__main__":
    raise SystemExit(main())
