"""What leaves the instructor's repository: the student template repository
(`student.py`, which defines what is instructor-only) and the hidden tests kept
apart from it for CI (`hidden.py`)."""

from grader.export.hidden import (
    HiddenSummary,
    HiddenTestsError,
    export_hidden,
    export_hidden_bundle,
    open_hidden_tests,
)
from grader.export.student import ExportError, ExportSummary, export_student

__all__ = [
    "ExportError",
    "ExportSummary",
    "HiddenSummary",
    "HiddenTestsError",
    "export_hidden",
    "export_hidden_bundle",
    "export_student",
    "open_hidden_tests",
]
