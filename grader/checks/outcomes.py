"""Turn pytest's reports for one test into the outcome and message a student sees.

Hidden tests must not leak their source, so the message is the assertion's own text
(written by the instructor for the student), or the exception in one line; never a
traceback.  Visible tests also keep a short traceback in `detail`.
"""

from __future__ import annotations

from typing import Any

import pytest

MESSAGE_LIMIT = 600
DETAIL_LIMIT = 3000

FRIENDLY_ERRORS = {
    "ConnectError": "could not connect to the service: it is not running or not listening",
    "ReadTimeout": "the service did not answer in time (does a request hang?)",
    "RemoteProtocolError": "the service closed the connection without answering (did it crash?)",
    "ServiceControlError": "the grader could not (re)start a service",
}


def is_timeout(report: pytest.TestReport) -> bool:
    """pytest-timeout fails a test with "Failed: Timeout (>Ns) from pytest-timeout."."""
    crash = getattr(report.longrepr, "reprcrash", None)
    return crash is not None and crash.message.startswith("Failed: Timeout")


def crash_message(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr or "")
    if is_timeout(report):
        return "the test ran out of time: a request or a wait did not finish"
    kind, _, rest = text.partition(": ")
    short_kind = kind.rsplit(".", 1)[-1]
    if short_kind in ("AssertionError", "StudentCallError", "FaultSwitchError"):
        text = rest
    elif short_kind in FRIENDLY_ERRORS:
        text = f"{FRIENDLY_ERRORS[short_kind]} ({rest.strip()[:200]})"
    # Drop pytest's assertion rewriting explanation: it can quote hidden test source.
    text = text.split("\nassert ", 1)[0].split("\nAssertionError", 1)[0]
    return text.strip()[:MESSAGE_LIMIT]


def _is_assertion(report: pytest.TestReport) -> bool:
    crash = getattr(report.longrepr, "reprcrash", None)
    return crash is not None and crash.message.startswith("AssertionError")


def summarize_reports(nodeid: str, reports: list[pytest.TestReport]) -> dict[str, Any]:
    outcome, message, detail = "passed", "", ""
    for report in reports:
        if report.failed:
            outcome = (
                "timeout"
                if is_timeout(report)
                else ("failed" if report.when == "call" else "error")
            )
            message = crash_message(report)
            if _is_assertion(report):  # a traceback into library code helps nobody
                detail = str(report.longreprtext)[-DETAIL_LIMIT:]
            break
        if report.skipped:
            outcome = "skipped"
            message = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else ""
    return {
        "nodeid": nodeid,
        "outcome": outcome,
        "duration_s": round(sum(r.duration for r in reports), 3),
        "message": message,
        "detail": detail,
    }
