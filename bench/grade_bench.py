"""Benchmark grading, phase by phase, and the start-up of the shared infrastructure.

A student waits for every grading run, and an instructor pays for it once per
submission, so we want to know which phase the time goes to before optimising any
of them.  The script grades one submission several times through the same
`grader.grade.grade()` the CLI calls (so the figures are the ones a real run shows
in `result.json`), then starts each infrastructure service on its own to separate
"the broker is slow to come up" from "the lab is slow to grade".

    python bench/grade_bench.py [--lab 03 ...] [--submission PATH] [--runs 3]
                                [--no-load] [--json OUT]

Tables go to stdout; the grader's progress messages go to stderr, so
`python bench/grade_bench.py 2>/dev/null` leaves only the figures.
Exit code: 0 when every run was graded, 1 when one was not (or a service failed to
start), 2 when the lab or submission cannot be found.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from grader.grade import GradeRequest, grade
from grader.infra.kafka import KafkaBroker
from grader.infra.kubernetes import KubernetesControlPlane
from grader.infra.local import READY_TIMEOUT_S
from grader.infra.mlflow import MlflowServer
from grader.infra.service import InfraService, InfrastructureError
from grader.lab.discovery import Lab, LabNotFound, lab_folders, resolve_lab
from grader.lab.manifest import ManifestError
from grader.result import GradingResult
from grader.run.workspace import SubmissionError

# The order grade() runs its phases in; the table follows it so it reads as a timeline.
PHASES = (
    "calibrate",
    "workspace",
    "provision",
    "services",
    "checks",
    "load",
    "notebook",
    "teardown",
    "reports",
)
OUTSIDE_PHASES = "(outside phases)"

_NEVER_MIGRATED = tempfile.TemporaryDirectory(prefix="labgrade-bench-")


def mlflow_on_a_fresh_store() -> MlflowServer:
    """What the first grading on a new machine pays: a store that must be migrated."""
    return MlflowServer(store_template=Path(tempfile.mkdtemp(dir=_NEVER_MIGRATED.name)) / "t.db")


# Services whose start-up is measured on its own: a name and a zero-argument factory
# for a fresh service.
INFRA_SERVICES: list[tuple[str, Callable[[], InfraService]]] = [
    ("kafka", KafkaBroker),
    ("mlflow", MlflowServer),
    ("mlflow, fresh store", mlflow_on_a_fresh_store),
    ("kubernetes (etcd, apiserver, controller manager)", KubernetesControlPlane),
]
INFRA_STARTS = 5


class UsageError(Exception):
    """The lab or submission cannot be found: nothing was measured."""


@dataclass
class StartupFigures:
    """One service's start-ups: seconds to ready, and resident memory once ready."""

    service: str
    ready_s: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    error: str = ""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="grade_bench",
        description="Time each grading phase over several runs, and infrastructure start-up.",
    )
    parser.add_argument(
        "--lab",
        action="append",
        help="lab number, folder name or path; repeat for several "
        "(default: every lab with a solution/)",
    )
    parser.add_argument(
        "--submission", type=Path, help="submission folder (default: the lab's solution/)"
    )
    parser.add_argument("--runs", type=int, default=3, help="grading runs (default: 3)")
    parser.add_argument("--no-load", action="store_true", help="skip the lab's load runs")
    parser.add_argument(
        "--infra-only", action="store_true", help="only time infrastructure start-up, grade nothing"
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write raw figures here")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.submission is not None and len(args.lab or []) != 1:
        parser.error("--submission needs exactly one --lab")
    return args


def default_labs() -> list[str]:
    """Every lab in the repository that has a reference solution to benchmark."""
    return [str(folder) for folder in lab_folders() if (folder / "solution").is_dir()]


def resolve(lab_ref: str, submission: Path | None) -> tuple[Lab, Path]:
    """The lab and submission folder, checked up front so a typo fails in a second."""
    try:
        lab = resolve_lab(lab_ref)
    except (LabNotFound, ManifestError) as exc:
        raise UsageError(str(exc)) from None
    folder = submission if submission is not None else lab.path / "solution"
    if not folder.is_dir():
        raise UsageError(f"submission {folder} is not a folder")
    return lab, folder


def grade_runs(lab: Lab, submission: Path, runs: int, with_load: bool) -> list[GradingResult]:
    """Grade `runs` times; reports go to a temporary folder, as they are not the point."""
    results = []
    with tempfile.TemporaryDirectory(prefix="labgrade-bench-") as tmp:
        for number in range(1, runs + 1):
            request = GradeRequest(
                lab=lab,
                submission=submission,
                out_dir=Path(tmp) / f"run-{number}",
                with_load=with_load,
            )
            results.append(grade(request, progress=_progress(f"run {number}/{runs}")))
    return results


def _progress(prefix: str) -> Callable[[str], None]:
    def say(message: str) -> None:
        print(f"[bench] {prefix}: {message}", file=sys.stderr, flush=True)

    return say


def phase_rows(results: list[GradingResult]) -> list[tuple[str, list[float | None]]]:
    """Phases in pipeline order, then any phase this script does not know yet.

    The gap row (total minus the phases) is time grade() spends between its timed
    phases; showing it keeps the shares honest, as they then add up to 100 %.
    """
    seen = [k[: -len("_s")] for r in results for k in r.timings if k != "total_s"]
    names = [p for p in PHASES if p in seen] + list(
        dict.fromkeys(n for n in seen if n not in PHASES)
    )
    rows = [(name, [r.timings.get(f"{name}_s") for r in results]) for name in names]
    # Clamped at zero: each timing is rounded to 1 ms, so the gap can come out at -0.001.
    gaps = [
        max(0.0, r.timings["total_s"] - sum(v for k, v in r.timings.items() if k != "total_s"))
        for r in results
    ]
    rows.append((OUTSIDE_PHASES, gaps))
    rows.append(("total", [r.timings["total_s"] for r in results]))
    return rows


def phase_table(results: list[GradingResult]) -> str:
    """Share is the phase's time over all runs divided by the total over all runs."""
    grand_total = sum(r.timings["total_s"] for r in results)
    header = ["phase", *(f"run {i}" for i in range(1, len(results) + 1)), "median s", "share"]
    lines = []
    for name, values in phase_rows(results):
        present = [v for v in values if v is not None]
        median = statistics.median(present) if present else None
        share = sum(present) / grand_total if grand_total > 0 else 0.0
        lines.append([name, *map(_seconds, values), _seconds(median), f"{share:.1%}"])
    return markdown_table(header, lines)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def score_line(results: list[GradingResult]) -> str:
    cells = [f"run {i}: {_score(r)} ({r.status})" for i, r in enumerate(results, start=1)]
    return "score/max: " + ", ".join(cells)


def _score(result: GradingResult) -> str:
    score = "-" if result.score is None else f"{result.score:g}"
    return f"{score}/{result.max_score:g}"


def measure_startup(name: str, factory: Callable[[], InfraService], starts: int) -> StartupFigures:
    """Start a fresh service `starts` times; every one is stopped before the next.

    The first failure ends the series: a service that cannot start has no
    meaningful start-up time, and the error says more than a partial median.
    """
    figures = StartupFigures(service=name)
    for _ in range(starts):
        service = factory()
        try:
            began = time.monotonic()
            service.start()
            service.wait_until_ready(READY_TIMEOUT_S)
            figures.ready_s.append(time.monotonic() - began)
            trees = [tree_rss_mb(pid) for pid in service.pids()]
            if trees and None not in trees:
                figures.rss_mb.append(sum(trees))
        except (InfrastructureError, OSError) as exc:
            figures.error = str(exc) or type(exc).__name__
            break
        finally:
            service.stop()
    return figures


def tree_rss_mb(pid: int) -> float | None:
    """Resident memory of a process and everything it forked, in MB (None once gone).

    The whole tree, because a service may be a wrapper around its real server.
    """
    try:
        root = psutil.Process(pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return None
    total = 0
    for proc in tree:
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / 2**20


def startup_table(figures: list[StartupFigures]) -> str:
    header = ["service", "ready median s", "RSS MB"]
    rows = [
        [
            f.service,
            "failed" if f.error else _seconds(statistics.median(f.ready_s)),
            f"{statistics.median(f.rss_mb):.0f}" if f.rss_mb and not f.error else "-",
        ]
        for f in figures
    ]
    return markdown_table(header, rows)


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """Aligned for the terminal, and valid Markdown, so figures paste into the README."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(
            ("-" * (w + 2)) if i == 0 else ("-" * (w + 1) + ":") for i, w in enumerate(widths)
        )
        + "|"
    )
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def write_json(
    path: Path,
    benchmarks: list[tuple[Lab, Path, list[GradingResult]]],
    startups: list[StartupFigures],
) -> None:
    """Raw per-run figures, for comparing two benchmarks without re-reading the tables."""
    data = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "labs": [
            {
                "lab": lab.id,
                "submission": str(submission),
                "runs": [
                    {
                        "status": r.status,
                        "score": r.score,
                        "max_score": r.max_score,
                        "timings": r.timings,
                    }
                    for r in results
                ],
            }
            for lab, submission, results in benchmarks
        ],
        "startup": [asdict(f) for f in startups],
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    benchmarks = []
    try:
        refs = [] if args.infra_only else args.lab or default_labs()
        targets = [resolve(ref, args.submission) for ref in refs]
        for lab, submission in targets:
            results = grade_runs(lab, submission, args.runs, not args.no_load)
            print(f"lab {lab.id}, submission {submission}, {args.runs} run(s)")
            print(phase_table(results))
            print(score_line(results))
            print(flush=True)
            benchmarks.append((lab, submission, results))
    except (UsageError, SubmissionError) as exc:
        print(f"grade_bench: {exc}", file=sys.stderr)
        return 2
    startups = measure_all_startups()
    print(startup_table(startups))
    if args.json:
        write_json(args.json, benchmarks, startups)
    graded = all(r.status == "graded" for _, _, results in benchmarks for r in results)
    return 0 if graded and not any(f.error for f in startups) else 1


def measure_all_startups() -> list[StartupFigures]:
    startups = []
    for name, factory in INFRA_SERVICES:
        print(f"[bench] starting {name} {INFRA_STARTS} times...", file=sys.stderr, flush=True)
        figures = measure_startup(name, factory, INFRA_STARTS)
        if figures.error:
            print(f"grade_bench: {name} did not start: {figures.error}", file=sys.stderr)
        startups.append(figures)
    return startups


if __name__ == "__main__":
    sys.exit(main())
