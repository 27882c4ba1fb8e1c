"""Report writers: every format rendered from one GradingResult must tell the same
story, show the student what failed and why, and never what must not be shown."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import grader.report as report
from grader.report import feedback, gradescope, junit, summary_table, write_reports
from grader.report._format import fmt_num, fmt_points, readable_test_name
from grader.result import (
    CheckResult,
    EndpointStats,
    GradingResult,
    LoadResult,
    LoadStats,
    ServiceLog,
    ThresholdResult,
)
from grader.result import (
    TestOutcome as Outcome,  # aliased: pytest would try to collect Test*
)

# Planted in places a report must never show: a passing test's message (may echo
# hidden test internals) and the head of a long service log (only the tail is quoted).
SECRET = "SECRET_SOURCE"
FAILED_MSG = (
    "after a crash between apply and commit the projection re-applied events: "
    "keep the consumer's offset in the same transaction as the projection"
)
CONCEPT_EO = "Exactly-once needs the offset and the state to commit atomically."
CONCEPT_SMOKE = "SMOKE_CONCEPT: the service answers."
CONCEPT_LOAD = "Reads must not wait for the projector."


def _graded(mode: str = "grade") -> GradingResult:
    smoke = CheckResult(
        name="smoke",
        title="Service answers",
        concept=CONCEPT_SMOKE,
        points=10,
        max_points=10,
        hidden=False,
        visibility="visible",
        tests=[Outcome("tests/visible/test_smoke.py::test_health", "passed", 0.1, SECRET)],
    )
    exactly_once = CheckResult(
        name="exactly-once",
        title="Exactly-once projection",
        concept=CONCEPT_EO,
        points=12.500000001,
        max_points=30,
        hidden=True,
        visibility="",
        tests=[
            Outcome("tests/hidden/test_eo.py::test_replay_is_idempotent", "passed", 1.0, SECRET),
            Outcome(
                "tests/hidden/test_eo.py::test_crash_between_apply_and_commit[kafka-3]",
                "failed",
                2.5,
                FAILED_MSG,
            ),
            Outcome("tests/hidden/test_eo.py::TestRebalance::test_no_gap", "timeout", 60.0, ""),
            Outcome("tests/hidden/test_eo.py::test_restart", "error", 0.2, "fixture broke"),
            Outcome("tests/hidden/test_eo.py::test_optional", "skipped", 0.0, SECRET),
            Outcome("tests/hidden/test_eo.py::test_last", "not_run", 0.0, ""),
        ],
    )
    gate = ThresholdResult(
        figure="final_state_matches",
        endpoint=None,
        label="final state equals accepted",
        value=0.0,
        good=1,
        bad=0,
        fraction=0.0,
        gate=True,
        weight=1,
    )
    p95 = ThresholdResult(
        figure="p95_ms",
        endpoint="as-of query",
        label="p95_ms as-of query",  # grader.score's default label
        value=420.0,
        good=150,
        bad=800,
        fraction=0.58461538,
        gate=False,
        weight=1,
    )
    ingest = LoadResult(
        name="ingest",
        title="Ingest and query under load",
        concept=CONCEPT_LOAD,
        points=0,
        max_points=20,
        stats=LoadStats(1200, 3, 60.0, 0.0025, 12.0, 420.0, 900.0),
        thresholds=[gate, p95],
        endpoints=[EndpointStats(requests=600, name="as-of query", method="GET")],
        figures={"final_state_matches": 0.0},
        errors=["ConnectionError: refused"],
    )
    query = LoadResult(
        name="query",
        title="Query throughput",
        concept="LOAD2_CONCEPT",
        points=7.499999999,
        max_points=10,
        stats=LoadStats(500, 0, 25.0, 0.0, 5.0, 50.0, 80.0),
        thresholds=[
            ThresholdResult("rps", None, "", 25.0, 40, 10, 0.5, False, 1),
        ],
    )
    log = "\n".join(f"log line {i}" for i in range(100))
    return GradingResult(
        lab="03-event-sourcing",
        title="Event sourcing for ML",
        submission="/subs/alice",
        mode=mode,  # type: ignore[arg-type]
        status="graded",
        score=10 + 12.500000001 + 0 + 7.499999999,
        max_score=70,
        checks=[smoke, exactly_once],
        loads=[ingest, query],
        timings={"provision_s": 3.2, "checks_s": 40.123, "load_s": 25.0, "total_s": 70.9},
        ignored_changes=[".github/workflows/classroom.yml"],
        services=[
            ServiceLog(name="api", excerpt=f"{SECRET}\n{log}\n```oops", exit_note="exited: 1"),
        ],
        notes=["network isolation was off"],
        started_at="2025-01-01T00:00:00Z",
    )


def _infra() -> GradingResult:
    return GradingResult(
        lab="03-event-sourcing",
        title="Event sourcing for ML",
        submission="/subs/bob",
        mode="grade",
        status="infrastructure_error",
        score=None,
        max_score=70,
        timings={"provision_s": 30.0},
        error="kafka did not become ready in 30 s",
    )


def _rendered_for_people(result: GradingResult) -> list[str]:
    return [
        feedback.render(result),
        junit.render(result),
        json.dumps(gradescope.build(result)),
        summary_table(result),
    ]


# --- write_reports / result.json ---------------------------------------------


def test_write_reports_writes_every_format(tmp_path: Path) -> None:
    paths = write_reports(_graded(), tmp_path / "out")
    names = [p.name for p in paths]
    assert names == [
        "result.json",
        "feedback.md",
        "junit.xml",
        "gradescope-results.json",
        "classroom-result.json",
    ]
    assert all(p.is_file() and p.stat().st_size > 0 for p in paths)


@pytest.mark.parametrize("make", [_graded, _infra])
def test_result_json_round_trips(tmp_path: Path, make) -> None:
    result = make()
    write_reports(result, tmp_path)
    assert GradingResult.read(tmp_path / "result.json") == result


def test_one_broken_writer_does_not_cost_the_others(tmp_path: Path, monkeypatch) -> None:
    def broken(result: GradingResult, out_dir: Path) -> Path:
        raise RuntimeError("renderer bug")

    writers = list(report.WRITERS)
    writers[1] = broken
    monkeypatch.setattr(report, "WRITERS", tuple(writers))
    with pytest.raises(ExceptionGroup):
        write_reports(_graded(), tmp_path)
    assert (tmp_path / "result.json").is_file()
    assert (tmp_path / "junit.xml").is_file()
    assert (tmp_path / "gradescope-results.json").is_file()


# --- nothing that must not be shown -------------------------------------------


@pytest.mark.parametrize("mode", ["grade", "check"])
def test_passing_and_skipped_messages_and_old_log_lines_are_never_shown(mode: str) -> None:
    for text in _rendered_for_people(_graded(mode)):
        assert SECRET not in text


# --- feedback.md ---------------------------------------------------------------


def test_feedback_explains_failures() -> None:
    text = feedback.render(_graded())
    assert "**Score: 30 / 70**" in text
    assert FAILED_MSG in text
    assert "fixture broke" in text
    assert CONCEPT_EO in text and CONCEPT_LOAD in text
    # A fully passed check does not lecture.
    assert CONCEPT_SMOKE not in text
    # Readable names: no path, no parametrization, no test_ prefix.
    assert "**crash between apply and commit**" in text
    assert "rebalance: no gap** (timed out)" in text
    assert "tests/hidden" not in text and "[kafka-3]" not in text and "test_crash" not in text
    assert "1 did not run" in text
    # Scores print nicely.
    assert "12.5 / 30" in text and "7.5 / 10" in text
    assert "12.500000001" not in text and "7.499999999" not in text


def test_feedback_load_table_and_gate() -> None:
    text = feedback.render(_graded())
    assert "| figure | endpoint | value | good | bad | credit |" in text
    assert "| p95_ms | as-of query | 420 | 150 | 800 | 58.46% |" in text
    gate_row = "| final_state_matches (gate) | final state equals accepted |"
    assert gate_row + " 0 | 1 | 0 | 0% |" in text
    assert "**Gate not met:** `final_state_matches` for final state equals accepted" in text
    assert "ConnectionError: refused" in text
    assert "ratio 0.0025" in text


def test_feedback_services_timings_ignored_notes() -> None:
    text = feedback.render(_graded())
    section = text.split("## Your services", 1)[1]
    assert "exited: 1" in section
    assert "log line 99" in section and "log line 79" not in section
    # The excerpt contains ``` so the fence must be longer and close after it.
    assert "````text\n" in section and "```oops\n````" in section
    assert "provision 3.2 s, checks 40.12 s, load 25 s, total 70.9 s" in text
    assert "were not used" in text and ".github/workflows/classroom.yml" in text
    assert "network isolation was off" in text


def test_feedback_infrastructure_error_says_no_score() -> None:
    text = feedback.render(_infra())
    assert "no score" in text.lower()
    assert "not your fault" in text
    assert "kafka did not become ready in 30 s" in text
    assert "Score:" not in text and "0 / 70" not in text


def test_feedback_check_mode_says_hidden_not_run_and_smoke() -> None:
    text = feedback.render(_graded("check"))
    assert "graded by your instructor, not run here" in text
    assert "short smoke" in text
    assert "Exactly-once projection: graded by your instructor, not run here (30 points)" in text
    # A hidden check that did not run locally is not reported as failing.
    assert FAILED_MSG not in text and CONCEPT_EO not in text


# --- junit.xml ------------------------------------------------------------------


def _suites(xml_text: str) -> dict[str, ET.Element]:
    root = ET.fromstring(xml_text)
    return {s.get("name"): s for s in root.findall("testsuite")}


def test_junit_counts() -> None:
    text = junit.render(_graded())
    root = ET.fromstring(text)
    suites = _suites(text)
    assert set(suites) == {"check: smoke", "check: exactly-once", "load: ingest", "load: query"}
    eo = suites["check: exactly-once"]
    assert (eo.get("tests"), eo.get("failures"), eo.get("skipped")) == ("6", "3", "2")
    assert len(eo.findall("testcase/failure")) == 3
    assert {f.get("type") for f in eo.iter("failure")} == {"failed", "timeout", "error"}
    assert any(f.get("message") == FAILED_MSG for f in eo.iter("failure"))
    assert float(eo.get("time")) == pytest.approx(63.7)
    assert suites["check: smoke"].get("failures") == "0"
    ingest = suites["load: ingest"]
    assert ingest.get("tests") == "3"  # two thresholds + load errors
    assert ingest.get("failures") == "2" and ingest.get("errors") == "1"
    assert "gate not met" in ingest.find("testcase/failure").get("message")
    assert root.get("failures") == "6" and root.get("tests") == "11"


def test_junit_infrastructure_error() -> None:
    root = ET.fromstring(junit.render(_infra()))
    assert root.get("errors") == "1" and root.get("failures") == "0"
    assert "kafka did not become ready" in root.find("testsuite/testcase/error").get("message")


def test_junit_survives_control_characters() -> None:
    result = _graded()
    result.checks[1].tests[1].message = "colour \x1b[31mred\x1b[0m and a NUL \x00"
    root = ET.fromstring(junit.render(result))
    assert root.get("failures") == "6"


# --- gradescope -------------------------------------------------------------------


def test_gradescope_scores_and_visibility() -> None:
    doc = gradescope.build(_graded())
    json.dumps(doc)  # serializable
    assert doc["score"] == 30
    assert sum(t["score"] for t in doc["tests"]) == pytest.approx(doc["score"])
    assert doc["execution_time"] == 71 and isinstance(doc["execution_time"], int)
    assert doc["output_format"] == "md"
    by_name = {t["name"]: t for t in doc["tests"]}
    assert by_name["Exactly-once projection"]["visibility"] == "after_published"
    assert by_name["Exactly-once projection"]["status"] == "failed"
    assert by_name["Exactly-once projection"]["score"] == 12.5
    assert FAILED_MSG in by_name["Exactly-once projection"]["output"]
    assert by_name["Service answers"]["visibility"] == "visible"
    assert by_name["Service answers"]["status"] == "passed"
    assert by_name["Ingest and query under load"]["visibility"] == "visible"
    assert by_name["Query throughput"]["score"] == 7.5
    for test in doc["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] in ("passed", "failed")


def test_gradescope_explicit_visibility_wins() -> None:
    result = _graded()
    result.checks[1].visibility = "hidden"
    doc = gradescope.build(result)
    assert {t["name"]: t["visibility"] for t in doc["tests"]}["Exactly-once projection"] == "hidden"


def test_gradescope_infrastructure_error_is_flagged_not_silent(tmp_path: Path) -> None:
    path = gradescope.write(_infra(), tmp_path)
    doc = json.loads(path.read_text())
    assert doc["extra_data"]["status"] == "infrastructure_error"
    assert doc["tests"] == []
    assert doc["score"] == 0
    assert "kafka did not become ready" in doc["output"]
    assert "no score" in doc["output"].lower()


def test_gradescope_check_mode_leaves_out_hidden_checks() -> None:
    doc = gradescope.build(_graded("check"))
    assert "Exactly-once projection" not in {t["name"] for t in doc["tests"]}


# --- terminal ------------------------------------------------------------------------


def test_summary_table(tmp_path: Path) -> None:
    result = _graded()
    paths = write_reports(result, tmp_path)
    table = summary_table(result, paths)
    assert "\x1b[" not in table
    for title in ("Service answers", "Exactly-once projection", "Ingest and query under load"):
        assert title in table
    rows = [line for line in table.splitlines() if line.startswith(("  check", "  load"))]
    assert len(rows) == 4
    assert "failed (gate)" in rows[2] and "partial" in rows[1] and "passed" in rows[0]
    # Fixed width: the status column starts at the same place on every row.
    assert len({len(r.rsplit("  ", 1)[0]) for r in rows}) == 1
    total = next(line for line in table.splitlines() if "total" in line and "timings" not in line)
    assert total.split()[-2:] == ["30", "70"]
    assert "timings: provision 3.2 s" in table
    assert f"reports: {tmp_path}/ (result.json, feedback.md" in table
    assert "\x1b[" in summary_table(result, paths, color=True)


def test_summary_table_infrastructure_error_and_check_mode() -> None:
    table = summary_table(_infra())
    assert "INFRASTRUCTURE ERROR: no score" in table
    assert "kafka did not become ready" in table
    check_run = _graded("check")
    check_run.max_score, check_run.lab_max_score = 40, 70  # what a check ran of the lab
    local = summary_table(check_run)
    assert "graded by your instructor, not run here" in local and "smoke" in local
    assert "checked here: 40 of the lab's 70 points" in local


# --- formatting --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nodeid", "expected"),
    [
        (
            "tests/hidden/test_eo.py::test_crash_between_apply_and_commit[kafka-3]",
            "crash between apply and commit",
        ),
        ("tests/hidden/test_eo.py::TestRebalance::test_no_gap", "rebalance: no gap"),
        ("tests/hidden/test_eo.py", "eo"),
        ("test_plain", "plain"),
        ("tests/x.py::test_a[b::c]", "a"),
    ],
)
def test_readable_test_name(nodeid: str, expected: str) -> None:
    assert readable_test_name(nodeid) == expected


def test_number_formatting() -> None:
    assert fmt_points(12.500000001) == "12.5"
    assert fmt_points(30.0) == "30"
    assert fmt_points(None) == "n/a"
    assert fmt_points(-0.0000001) == "0"
    assert fmt_num(0.0123) == "0.012"
    assert fmt_num(123.456) == "123.46"
    assert fmt_num(float("nan")) == "n/a"


def test_the_terminal_never_cuts_a_name() -> None:
    result = _graded()
    long_title = "Exactly-once projection: crash, restart, rebuild and a very long tail"
    result.checks[1].title = long_title
    assert long_title in summary_table(result)


def test_tests_that_only_found_a_dead_service_are_one_line() -> None:
    result = _graded()
    result.problems = ["service 'api' exited with code 1 before it was ready: SyntaxError"]
    unreached = [
        Outcome(
            f"tests/visible/test_smoke.py::test_{name}",
            "failed",
            0.1,
            "could not connect to the service: it is not running or not listening (refused)",
        )
        for name in ("health", "posted", "as_of", "shape", "more")
    ]
    result.checks[0].tests = unreached
    result.checks[0].points = 0
    text = feedback.render(result)
    assert text.count("Connection refused") + text.count("(refused)") == 0
    assert "(5 tests): could not reach your service, which did not start" in text
    assert "**health**, **posted**, **as of**, **shape**, …" in text
