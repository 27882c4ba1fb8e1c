"""The grader's pytest plugin, loaded into every check run with `-p grader.checks.plugin`.

It gives lab tests their fixtures (the run's services, broker and a sandboxed way to
call student code), puts a timeout on every test, and writes each test's outcome to a
JSON-lines file the moment it is known: a crash or a global time-out later in the run
never loses the credit already earned.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from grader.checks.kafka_access import KafkaAccess
from grader.checks.kube_access import KubeAccess
from grader.checks.mlflow_access import MlflowAccess
from grader.checks.outcomes import summarize_reports
from grader.checks.selection import owner_name
from grader.run.context import RunContext
from grader.run.faults import RemoteFaults
from grader.run.remote import RemoteServices

_reports: dict[str, list[pytest.TestReport]] = {}


def _context(config: pytest.Config) -> RunContext:
    return config.stash[_CONTEXT]


_CONTEXT = pytest.StashKey[RunContext]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_CONTEXT] = RunContext.from_environment()
    config.stash[_FAULTS] = _CheckFaults(config.stash[_CONTEXT])
    try:
        from hypothesis import HealthCheck, settings

        # Derandomized so that three gradings of one submission give one score.
        settings.register_profile(
            "labgrade",
            database=None,
            deadline=None,
            derandomize=True,
            print_blob=False,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        )
        settings.load_profile("labgrade")
    except ImportError:
        pass


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    timeouts = _context(config).test_timeouts
    for item in items:
        matching = [sel for sel in timeouts if item.nodeid.startswith(sel)]
        if matching and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(timeouts[max(matching, key=len)]))


def pytest_collection_finish(session: pytest.Session) -> None:
    _write({"collected": [item.nodeid for item in session.items]})


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        message = str(report.longrepr).strip().splitlines()[-1:] or ["unknown error"]
        _write(
            {
                "nodeid": report.nodeid,
                "outcome": "error",
                "duration_s": 0.0,
                "message": f"the test module could not be loaded: {message[0][:300]}",
                "detail": "",
            }
        )


class _CheckFaults:
    """Holds a check group's declared faults ([[check.fault]]) while its tests run."""

    def __init__(self, context: RunContext) -> None:
        self.context = context
        self.remote = RemoteFaults(context)
        self.active: str | None = None

    def enter(self, nodeid: str) -> None:
        group = owner_name(nodeid, self.context.check_selections)
        if group == self.active:
            return
        self.leave()
        self.active = group
        for fault in self.context.check_faults.get(group or "", []):
            fault = dict(fault)
            self.remote.set(fault.pop("service"), **fault)

    def leave(self) -> None:
        for fault in self.context.check_faults.get(self.active or "", []):
            self.remote.clear(fault["service"])
        self.active = None


_FAULTS = pytest.StashKey[_CheckFaults]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.config.stash[_FAULTS].enter(item.nodeid)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _FAULTS in session.config.stash:
        session.config.stash[_FAULTS].leave()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _reports.setdefault(report.nodeid, []).append(report)


def pytest_runtest_logfinish(nodeid: str, location: tuple[str, int | None, str]) -> None:
    _write(summarize_reports(nodeid, _reports.pop(nodeid, [])))


@functools.cache
def _results_path() -> str:
    """Read once: every test's outcome is appended to this file."""
    return RunContext.from_environment().results_path


def _write(record: dict[str, Any]) -> None:
    path = _results_path()
    if path:
        with Path(path).open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")


@pytest.fixture(scope="session")
def run_context(pytestconfig: pytest.Config) -> RunContext:
    return _context(pytestconfig)


@pytest.fixture(scope="session")
def services(run_context: RunContext) -> RemoteServices:
    return RemoteServices(run_context)


@pytest.fixture(scope="session")
def kafka(run_context: RunContext) -> KafkaAccess:
    if not run_context.kafka_bootstrap:
        pytest.fail("this lab's manifest does not ask for kafka (add it to [lab] infra)")
    return KafkaAccess(run_context.kafka_bootstrap, run_context.topic_prefix)


@pytest.fixture(scope="session")
def mlflow(run_context: RunContext) -> MlflowAccess:
    if not run_context.mlflow_tracking_uri:
        pytest.fail("this lab's manifest does not ask for mlflow (add it to [lab] infra)")
    return MlflowAccess(run_context.mlflow_tracking_uri, run_context.mlflow_prefix)


@pytest.fixture(scope="session")
def kube(run_context: RunContext) -> KubeAccess:
    if not run_context.kubeconfig:
        pytest.fail("this lab's manifest does not ask for kubernetes (add it to [lab] infra)")
    return KubeAccess(
        run_context.kubeconfig,
        run_context.kube_prefix,
        run_context.infra_env.get("KUBE_TENANT_KUBECONFIGS", ""),
    )


@pytest.fixture(scope="session")
def faults(run_context: RunContext) -> RemoteFaults:
    return RemoteFaults(run_context)


@pytest.fixture(scope="session")
def student_call(run_context: RunContext) -> Callable[..., Any]:
    from grader.checks.student_call import call

    def _call(target: str, *args: Any, timeout_s: float = 20) -> Any:
        return call(run_context, target, *args, timeout_s=timeout_s)

    return _call
