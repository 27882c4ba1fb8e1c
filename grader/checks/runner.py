"""Run a lab's check groups as one pytest session in a subprocess, and read back
each test's outcome.  One session (not one per group) because starting pytest with
hypothesis and pandas costs seconds; outcomes are mapped back to their group by the
group's pytest selections.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from grader import interrupt
from grader.checks.selection import owner_name
from grader.infra.processes import stop_group
from grader.lab.manifest import CheckSpec
from grader.result import TestOutcome
from grader.run import sandbox
from grader.run.context import ENV_VAR, RunContext

PYTEST_INI = "[pytest]\naddopts =\nconsider_namespace_packages = false\n"


def owner(nodeid: str, checks: list[CheckSpec]) -> CheckSpec | None:
    """The check whose most specific selection contains this test."""
    name = owner_name(nodeid, {check.name: check.tests for check in checks})
    return next((check for check in checks if check.name == name), None)


def run_checks(
    checks: list[CheckSpec],
    context: RunContext,
    context_path: Path,
    work_dir: Path,
    time_budget_s: float,
) -> dict[str, list[TestOutcome]]:
    """Outcomes per check name; tests that never ran are reported as `not_run`."""
    if not checks:
        return {}
    results_path = Path(context.results_path)
    ini = work_dir / "pytest-labgrade.ini"
    ini.write_text(PYTEST_INI, encoding="utf-8")
    selections = [sel for check in checks for sel in check.tests]
    argv = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "grader.checks.plugin",
        "-p",
        "no:cacheprovider",
        "-c",
        str(ini),
        "--rootdir",
        context.lab_dir,
        "-q",
        "--no-header",
        "-rN",
        "--timeout-method=signal",
        "--tb=short",
        *selections,
    ]
    env = sandbox.base_environment() | {ENV_VAR: str(context_path)}
    log_path = work_dir / "pytest.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            argv,
            cwd=context.lab_dir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        timed_out = not interrupt.wait_process(proc, time_budget_s)
    finally:
        stop_group(proc)
    return _collect(results_path, checks, timed_out, log_path)


def _collect(
    results_path: Path, checks: list[CheckSpec], timed_out: bool, log_path: Path
) -> dict[str, list[TestOutcome]]:
    collected: list[str] = []
    finished: dict[str, dict] = {}
    if results_path.exists():
        for line in results_path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if "collected" in record:
                collected = record["collected"]
            else:
                finished[record["nodeid"]] = record
    why_not_run = (
        "not run: the grading time limit was reached before this test"
        if timed_out
        else "not run: the test process ended early (see the grader log)"
    )
    outcomes: dict[str, list[TestOutcome]] = {check.name: [] for check in checks}
    for nodeid in dict.fromkeys([*collected, *finished]):
        check = owner(nodeid, checks)
        if check is None:
            continue
        record = finished.get(nodeid)
        if record is None:
            outcomes[check.name].append(TestOutcome(nodeid, "not_run", 0.0, why_not_run))
        else:
            message = record["message"] if check.hidden else _visible_message(record)
            outcomes[check.name].append(
                TestOutcome(nodeid, record["outcome"], record["duration_s"], message)
            )
    for check in checks:
        if not outcomes[check.name]:
            tail = (
                log_path.read_text(errors="replace").strip().splitlines()[-1:]
                if log_path.exists()
                else []
            )
            reason = (
                why_not_run if timed_out else f"no test of this group ran ({' '.join(tail)[:200]})"
            )
            outcomes[check.name].append(TestOutcome(check.name, "not_run", 0.0, reason))
    return outcomes


def _visible_message(record: dict) -> str:
    """Visible tests are the student's own to read: keep a short traceback too."""
    if record["outcome"] == "passed" or not record.get("detail"):
        return record["message"]
    return f"{record['message']}\n\n{record['detail'][-1500:]}".strip()
