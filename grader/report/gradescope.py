"""`gradescope-results.json`: the run in Gradescope's autograder results format.

See https://gradescope-autograders.readthedocs.io/en/latest/specs/ : top-level
`score`, `execution_time`, `output` (+ `output_format`), and `tests[]` with
`name`, `score`, `max_score`, `status`, `output`, `visibility`. One entry per
check group and per load check; hidden checks default to `after_published`, so
students see them only once the instructor publishes grades.

Gradescope has no "no score" value: `score` is a number, and a missing `score`
is taken as the sum of the tests, i.e. 0 with no tests. So an infrastructure
error (which per the design carries no score, never an earned-looking zero) is
written as score 0 *and* said loudly: the error in `output`, no tests, and
`extra_data.status` (`infrastructure_error`, `interrupted`) for anything that
post-processes the results. Instructors must treat such a 0 as "not graded"; a
`not_submitted` 0 is a real one (there was nothing to grade).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grader.report._format import (
    check_not_run_locally,
    fmt_points,
    full_marks,
    gradescope_visibility,
    round_points,
    total_seconds,
)
from grader.report.feedback import (
    INFRA_ERROR_TEXT,
    NO_SCORE_TEXTS,
    fence,
    render_check,
    render_load,
)
from grader.result import GradingResult

FILENAME = "gradescope-results.json"


def _body(section: str) -> str:
    """Drop the `### title` heading: Gradescope shows the test's name already."""
    lines = section.splitlines()
    if lines and lines[0].startswith("### "):
        lines = lines[1:]
    return "\n".join(lines).strip()


def _summary(result: GradingResult) -> str:
    """The short markdown shown at the top of the Gradescope results page."""
    out = [f"**{result.title}**: {fmt_points(result.score)} / {fmt_points(result.max_score)}"]
    if result.mode == "check":
        out.append("Local check: hidden checks not run, load was a short smoke run.")
    if result.ignored_changes:
        out.append(
            f"{len(result.ignored_changes)} file(s) outside your lab folder were not used: "
            + ", ".join(f"`{p}`" for p in result.ignored_changes[:10])
        )
    out += result.notes
    return "\n\n".join(out)


def _not_graded(result: GradingResult) -> dict[str, Any]:
    """No tests, the reason in full; `extra_data.status` says which kind of 0 it is."""
    error = result.error.strip() or "unknown error"
    text = NO_SCORE_TEXTS.get(result.status, INFRA_ERROR_TEXT)
    output = f"{text}\n\n{fence(error, 'text')}"
    if result.fix:
        output += f"\n\nTo fix it, run:\n\n{fence(result.fix, 'sh')}"
    return {
        # Not an earned zero unless nothing was submitted: Gradescope cannot express
        # "no score" (see module doc).
        "score": 0,
        "execution_time": round(total_seconds(result)),
        "output": output,
        "output_format": "md",
        "extra_data": {"status": result.status, "error": error},
        "tests": [],
    }


def build(result: GradingResult) -> dict[str, Any]:
    """The Gradescope results document as a dict (see `write`)."""
    if result.status != "graded" or result.score is None:
        return _not_graded(result)
    tests: list[dict[str, Any]] = []
    for check in result.checks:
        if check_not_run_locally(result, check):
            continue
        tests.append(
            {
                "name": check.title,
                "score": round_points(check.points),
                "max_score": round_points(check.max_points),
                "status": "passed" if full_marks(check.points, check.max_points) else "failed",
                "output": _body(render_check(result, check)),
                "output_format": "md",
                "visibility": gradescope_visibility(check),
            }
        )
    for load in result.loads:
        tests.append(
            {
                "name": load.title,
                "score": round_points(load.points),
                "max_score": round_points(load.max_points),
                "status": "passed" if full_marks(load.points, load.max_points) else "failed",
                "output": _body(render_load(result, load)),
                "output_format": "md",
                "visibility": "visible",
            }
        )
    return {
        "score": round_points(result.score),
        "execution_time": round(total_seconds(result)),
        "output": _summary(result),
        "output_format": "md",
        "extra_data": {"status": result.status, "lab": result.lab, "mode": result.mode},
        "tests": tests,
    }


def write(result: GradingResult, out_dir: Path) -> Path:
    """Write `gradescope-results.json` into `out_dir` and return its path.

    On Gradescope itself the harness copies this file to
    `/autograder/results/results.json`.
    """
    path = out_dir / FILENAME
    path.write_text(json.dumps(build(result), indent=2) + "\n", encoding="utf-8")
    return path
