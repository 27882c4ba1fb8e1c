"""Reports of one grading run, all rendered from one `GradingResult`.

Because every format reads the same structure, result.json, feedback.md,
junit.xml, the Gradescope and GitHub Classroom files and the terminal table cannot
disagree about a score. One module per format; `write_reports` writes them all.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from grader.report import classroom, feedback, gradescope, json_report, junit
from grader.report.terminal import summary_table
from grader.result import GradingResult

Writer = Callable[[GradingResult, Path], Path]

#: In writing order: result.json first, it is the record everything else derives from.
WRITERS: tuple[Writer, ...] = (
    json_report.write,
    feedback.write,
    junit.write,
    gradescope.write,
    classroom.write,
)


def write_reports(result: GradingResult, out_dir: Path) -> list[Path]:
    """Write every report into `out_dir` (created if needed); return their paths.

    A bug in one renderer must not cost the others (above all result.json), so
    every writer runs; failures are raised together at the end.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    errors: list[Exception] = []
    for writer in WRITERS:
        try:
            written.append(writer(result, out_dir))
        except Exception as exc:  # re-raised below, after the other reports exist
            exc.add_note(f"while writing reports with {writer.__module__}")
            errors.append(exc)
    if errors:
        raise ExceptionGroup(f"{len(errors)} report(s) could not be written", errors)
    return written


__all__ = ["WRITERS", "summary_table", "write_reports"]
