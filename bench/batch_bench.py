"""Benchmark `labgrade batch` against grading the same class one submission at a time.

An instructor grading a class pays for every submission; the batch shares one set of
infrastructure and overlaps runs (their load phases take turns), and this script
shows what that buys and that it changes no grade. The class is N copies of the
lab's variants (starter, partial, solution, alternative, round robin).

    python bench/batch_bench.py [--lab 03] [--students 10] [--jobs 2] [--no-load]

The table goes to stdout, progress to stderr. Exit code: 0 when both ways graded
every student with the same scores, 1 otherwise, 2 when the lab has no variants.
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
from grader.lab.discovery import LabNotFound, resolve_lab
from grader.report._format import fmt_points
from grader.selftest import materialize, variants


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lab", default="03")
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-load", action="store_true")
    return parser.parse_args(argv)


def make_class(lab, students: int, into: Path) -> Path:
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


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
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
        for student in students:
            print(f"[bench] one by one: {student}", file=sys.stderr, flush=True)
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
            say=lambda message: print(f"[bench] {message}", file=sys.stderr, flush=True),
        )
    batched = {e.student: e.result for e in outcome.entries}
    print(f"## {lab.id}: {len(students)} students, --jobs {args.jobs}\n")
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


if __name__ == "__main__":
    raise SystemExit(main())
