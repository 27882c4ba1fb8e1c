"""`result.json`: the project's own versioned schema, the source of every other report.

It is written by `GradingResult.write` itself so that what is on disk is exactly
what `GradingResult.read` accepts; this module only fixes the file name.
"""

from __future__ import annotations

from pathlib import Path

from grader.result import GradingResult

FILENAME = "result.json"


def write(result: GradingResult, out_dir: Path) -> Path:
    """Write `result.json` into `out_dir` and return its path."""
    path = out_dir / FILENAME
    result.write(path)
    return path
