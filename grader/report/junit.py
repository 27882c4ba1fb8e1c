"""`junit.xml`: the run as JUnit, for CI job summaries and test dashboards.

One `<testsuite>` per check and per load; a `<testcase>` per test, and per load
threshold (a threshold short of full credit is a failure, with the figure, the
curve and the credit in its message). Failed, error and timed-out tests all
carry a `<failure>` (its `type` says which), so "failures" counts every test
that cost points. A run that was not graded (infrastructure error, interrupted,
nothing submitted) is one suite with one `<error>` (`<failure>` for nothing
submitted): no check result from a broken run is presented as the student's.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from grader.report._format import (
    FAILED_OUTCOMES,
    NO_SCORE_HEADLINES,
    NOT_RUN_HERE,
    check_not_run_locally,
    fmt_num,
    fmt_points,
    gate_failed,
    shown_message,
    threshold_target,
    threshold_value,
    total_seconds,
    truncate,
)
from grader.result import CheckResult, GradingResult, LoadResult, ThresholdResult

FILENAME = "junit.xml"

MESSAGE_CHARS = 2000

# Characters XML 1.0 cannot carry at all; a student's ANSI colour codes or a NUL
# in an assertion message would otherwise make the whole file unparseable.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _scrub(root: ET.Element) -> None:
    for element in root.iter():
        if element.text:
            element.text = _INVALID_XML.sub("?", element.text)
        for key, value in element.attrib.items():
            element.set(key, _INVALID_XML.sub("?", value))


def _secs(value: float) -> str:
    return f"{max(value, 0.0):.3f}"


def _suite(parent: ET.Element, name: str, points: float, max_points: float) -> ET.Element:
    suite = ET.SubElement(parent, "testsuite", name=name)
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="points", value=fmt_points(points))
    ET.SubElement(props, "property", name="max_points", value=fmt_points(max_points))
    return suite


def _finish(suite: ET.Element) -> None:
    """Fill the counters from the testcases so they can never disagree."""
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(c.find("failure") is not None for c in cases)))
    suite.set("errors", str(sum(c.find("error") is not None for c in cases)))
    suite.set("skipped", str(sum(c.find("skipped") is not None for c in cases)))
    suite.set("time", _secs(sum(float(c.get("time", "0")) for c in cases)))


def _check_suite(parent: ET.Element, result: GradingResult, check: CheckResult) -> None:
    suite = _suite(parent, f"check: {check.name}", check.points, check.max_points)
    classname = f"{result.lab}.{check.name}"
    not_run_locally = check_not_run_locally(result, check)
    for test in check.tests:
        case = ET.SubElement(
            suite, "testcase", name=test.name, classname=classname, time=_secs(test.duration_s)
        )
        if not_run_locally:
            ET.SubElement(case, "skipped", message=f"hidden check: {NOT_RUN_HERE}")
        elif test.outcome in FAILED_OUTCOMES:
            message = truncate(shown_message(test), MESSAGE_CHARS)
            failure = ET.SubElement(case, "failure", message=message, type=test.outcome)
            failure.text = message
        elif test.outcome in ("skipped", "not_run"):
            reason = "not run" if test.outcome == "not_run" else "skipped"
            ET.SubElement(case, "skipped", message=reason)
    if not check.tests and not_run_locally:
        case = ET.SubElement(suite, "testcase", name=check.name, classname=classname, time="0")
        ET.SubElement(case, "skipped", message=f"hidden check: {NOT_RUN_HERE}")
    elif not check.tests and check.message.strip():
        # A check that produced no test results (e.g. collection failed) still shows up.
        case = ET.SubElement(suite, "testcase", name=check.name, classname=classname, time="0")
        failure = ET.SubElement(case, "failure", message=truncate(check.message, MESSAGE_CHARS))
        failure.set("type", "check")
    _finish(suite)


def _threshold_message(t: ThresholdResult) -> str:
    value = threshold_value(t)
    gate = "; gate not met: the load check scores 0" if gate_failed(t) else ""
    return (
        f"{t.figure} = {value} (good {fmt_num(t.good)}, bad {fmt_num(t.bad)}), "
        f"credit {fmt_num(t.fraction * 100)}%{gate}"
    )


def _load_suite(parent: ET.Element, result: GradingResult, load: LoadResult) -> None:
    suite = _suite(parent, f"load: {load.name}", load.points, load.max_points)
    classname = f"{result.lab}.{load.name}"
    for t in load.thresholds:
        name = f"{t.figure} [{threshold_target(t)}]"
        case = ET.SubElement(suite, "testcase", name=name, classname=classname, time="0")
        if not t.counted:
            ET.SubElement(case, "skipped", message=_threshold_message(t))
        elif t.fraction < 1 - 1e-9:
            message = _threshold_message(t)
            failure = ET.SubElement(case, "failure", message=message, type="threshold")
            failure.text = message
    if load.errors:
        case = ET.SubElement(suite, "testcase", name="load errors", classname=classname, time="0")
        error = ET.SubElement(case, "error", message=truncate(load.errors[0], MESSAGE_CHARS))
        error.text = truncate("\n".join(load.errors), MESSAGE_CHARS * 5)
    _finish(suite)


def render(result: GradingResult) -> str:
    """The JUnit XML document as a string."""
    root = ET.Element("testsuites", name=result.lab, time=_secs(total_seconds(result)))
    if result.status != "graded":
        suite = ET.SubElement(root, "testsuite", name=result.status)
        case = ET.SubElement(suite, "testcase", name=result.status, classname=result.lab)
        headline = NO_SCORE_HEADLINES.get(result.status, result.status)
        message = f"{headline}: " + (result.error.strip() or "unknown")
        kind = "failure" if result.status == "not_submitted" else "error"
        element = ET.SubElement(case, kind, message=truncate(message, MESSAGE_CHARS))
        element.text = "\n".join(filter(None, [result.error, result.fix]))
        _finish(suite)
    else:
        for check in result.checks:
            _check_suite(root, result, check)
        for load in result.loads:
            _load_suite(root, result, load)
    for attr in ("tests", "failures", "errors", "skipped"):
        root.set(attr, str(sum(int(s.get(attr, "0")) for s in root.findall("testsuite"))))
    _scrub(root)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write(result: GradingResult, out_dir: Path) -> Path:
    """Write `junit.xml` into `out_dir` and return its path."""
    path = out_dir / FILENAME
    path.write_text(render(result), encoding="utf-8")
    return path
