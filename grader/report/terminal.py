"""The short table printed at the end of `labgrade grade` / `labgrade check`.

Plain fixed-width text so it reads the same in a terminal, a CI log and a pasted
e-mail; colour is opt-in (`color=True`, e.g. when stdout is a tty) and applied
after padding so it never shifts the columns.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from grader.lab.manifest import NotebookSpec
from grader.report._format import (
    NO_SCORE_HEADLINES,
    NOT_RUN_HERE,
    check_not_run_locally,
    checked_here_line,
    fmt_points,
    load_status_word,
    status_word,
    timings_line,
    truncate,
)
from grader.result import CheckResult, GradingResult

_COLOURS = {
    "passed": "32",
    "partial": "33",
    "failed": "31",
    NOT_RUN_HERE: "2",
    "ERROR": "31;1",
}


def use_color(stream: object = None) -> bool:
    """Colour only for a real terminal, and never when NO_COLOR is set."""
    stream = sys.stdout if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and "NO_COLOR" not in os.environ


def _paint(word: str, padded: str, color: bool) -> str:
    code = _COLOURS.get(word) or _COLOURS.get(word.split(" ")[0])
    return f"\x1b[{code}m{padded}\x1b[0m" if color and code else padded


def _reports_line(paths: Sequence[Path]) -> str:
    if not paths:
        return ""
    parents = {p.parent for p in paths}
    if len(parents) == 1:
        return f"reports: {parents.pop()}/ ({', '.join(p.name for p in paths)})"
    return "reports: " + ", ".join(str(p) for p in paths)


def summary_table(
    result: GradingResult, reports: Sequence[Path] = (), *, color: bool = False
) -> str:
    """The run as a short table: one row per check and load, a total, timings, and
    where the reports were written (`reports`, as returned by `write_reports`)."""
    rows: list[tuple[str, str, str, str, str]] = []
    graded = result.status == "graded"
    if graded:
        notebooks = [c for c in result.checks if c.name == NotebookSpec.name]
        for check in [c for c in result.checks if c not in notebooks]:
            rows.append(_check_row(result, check, "check"))
        for load in result.loads:
            word = load_status_word(load)
            rows.append(
                ("load", load.title, fmt_points(load.points), fmt_points(load.max_points), word)
            )
        rows += [_check_row(result, notebook, "notebook") for notebook in notebooks]
    width = max([len(r[1]) for r in rows] + [len("total")])
    mode = "local check" if result.mode == "check" else "grade"
    lines = [f"{result.lab}: {result.title} ({mode})"]
    rule = "-" * (width + 37)
    if graded:
        lines.append(f"  {'kind':<9}{'name':<{width}}  {'points':>8}  {'max':>8}  status")
        lines.append("  " + rule)
    for kind, name, points, max_points, word in rows:
        lines.append(
            f"  {kind:<9}{name:<{width}}  {points:>8}  {max_points:>8}  "
            + _paint(word, word, color)
        )
    if graded:
        lines.append("  " + rule)
        total = f"  {'':<9}{'total':<{width}}  {fmt_points(result.score):>8}  "
        lines.append(total + f"{fmt_points(result.max_score):>8}")
    else:
        lines += _not_graded_lines(result, color)
    if result.mode == "check" and graded:
        lines.append(f"  {checked_here_line(result)}")
    lines.append(f"  timings: {timings_line(result)}")
    if result.ignored_changes:
        lines.append(f"  not used (outside the lab folder): {len(result.ignored_changes)} file(s)")
    where = _reports_line(list(reports))
    if where:
        lines.append(f"  {where}")
    return "\n".join(lines)


def _check_row(
    result: GradingResult, check: CheckResult, kind: str
) -> tuple[str, str, str, str, str]:
    if check_not_run_locally(result, check):
        word, points = NOT_RUN_HERE, "-"
    else:
        word, points = status_word(check.points, check.max_points), fmt_points(check.points)
    return (kind, check.title, points, fmt_points(check.max_points), word)


def _not_graded_lines(result: GradingResult, color: bool) -> list[str]:
    """The status, the reason in full (it is ours, and short) and the fix as a command."""
    kind, _, rest = NO_SCORE_HEADLINES.get(result.status, result.status).partition(":")
    headline = f"{kind.upper()}:{rest}"
    lines = ["  " + _paint("ERROR", headline, color)]
    reason = result.error.strip() or "unknown"
    lines += [f"  {truncate(line, 400)}" for line in reason.splitlines()[:6]]
    if result.fix:
        lines.append(f"  fix: {result.fix}")
    return lines
