"""`labgrade grade` and `labgrade check`: one grading run, phase by phase.

    workspace -> provision -> services -> checks -> load -> notebook -> teardown -> score
    -> reports

Infrastructure failures are retried; if they persist the result says
`infrastructure_error` and carries no score, never a zero that looks earned.  A run
stopped by a signal unwinds everything it started and says `interrupted`, with no
score.  Reports are written into a staging folder and replace the previous ones
only when complete.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from grader import score
from grader.checks.runner import run_checks
from grader.infra.local import Infrastructure
from grader.infra.provider import open_infrastructure
from grader.infra.service import InfrastructureError, InfrastructureMissing
from grader.interrupt import Interrupted
from grader.lab.discovery import Lab, labs_root
from grader.lab.manifest import CheckSpec, LoadSpec, NotebookSpec
from grader.load import calibration
from grader.load.calibration import Calibration, needs_calibration
from grader.load.runner import run_load
from grader.notebook.autograde import NotebookRun, grade_notebook, notebook_group
from grader.notebook.questions import NotebookSourceError
from grader.report import write_reports
from grader.report.folder import ReportFolder
from grader.result import (
    CheckResult,
    GradingResult,
    LoadResult,
    LoadStats,
    Status,
    TestOutcome,
)
from grader.run import sandbox
from grader.run.context import RunContext
from grader.run.control import ControlServer
from grader.run.services import ServiceStartError, StudentServices
from grader.run.turns import MachineTurns
from grader.run.workspace import Workspace, build_workspace, nothing_submitted
from grader.timing import PhaseTimer

INFRA_ATTEMPTS = 2
Mode = Literal["grade", "check"]
QUEUE = "queue"
"""The phase in which a run waits for its turn on a shared machine."""
NOT_THE_STUDENTS_TIME = (QUEUE, "calibrate")
"""Phases that do not count against the lab's time limit."""


@dataclass(frozen=True)
class GradeRequest:
    lab: Lab
    submission: Path
    out_dir: Path
    mode: Mode = "grade"
    with_load: bool = True
    infra: str = "local"
    calibrating: bool = False
    """A reference run for calibration: load checks only, no calibration of its own."""
    hidden_tests: Path | None = None
    """The lab's hidden tests kept apart from it (`--tests`), else the lab's own."""
    shared_infra: Infrastructure | None = None
    """Infrastructure someone else started and stops (a batch): this run only takes a
    namespace on it."""
    turns: MachineTurns | None = None
    """Runs sharing a machine take turns: their load phases run alone (see turns.py)."""


def _say(message: str) -> None:
    print(f"[labgrade] {message}", file=sys.stderr, flush=True)


def grade(request: GradeRequest, progress: Callable[[str], None] = _say) -> GradingResult:
    """Grade once (retrying when infrastructure, not the student, failed) and publish
    the reports.  Raises `ReportFolderError` when the report folder is taken, and
    `Interrupted`, after publishing an `interrupted` result, when asked to stop."""
    started_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    timer = PhaseTimer(on_phase=lambda name: progress(f"{name}..."))
    with ReportFolder(request.out_dir) as folder:
        try:
            result = _outcome(request, timer, progress, folder.staging)
        except Interrupted as stop:
            result = _empty_result(request, "interrupted")
            result.error = (
                f"interrupted by {stop.signal_name} during the {timer.last or 'first'} "
                "phase: everything the run started was stopped and removed; no score"
            )
            _publish(result, started_at, timer, folder)
            stop.result = result
            raise
        _publish(result, started_at, timer, folder)
    return result


def _outcome(
    request: GradeRequest, timer: PhaseTimer, progress: Callable[[str], None], staging: Path
) -> GradingResult:
    reason = nothing_submitted(request.lab, request.submission)
    if reason:
        result = _empty_result(request, "not_submitted")
        result.score, result.error = 0.0, reason
        return result
    reference, calibration_note = None, ""
    if request.with_load and not request.calibrating and needs_calibration(request.lab):
        with timer.phase("calibrate"):
            reference, calibration_note = _calibration(request, progress)
    failures: list[str] = []
    for attempt in range(1, INFRA_ATTEMPTS + 1):
        try:
            result = _grade_once(request, timer, progress, reference, staging)
        except InfrastructureMissing as exc:
            return _infrastructure_error(request, str(exc), exc.fix)
        except InfrastructureError as exc:
            failures.append(str(exc))
            progress(f"infrastructure failed (attempt {attempt}/{INFRA_ATTEMPTS}): {exc}")
            continue
        if failures:
            result.notes.append(f"infrastructure failed and the run was repeated: {failures[0]}")
        if calibration_note:
            result.notes.append(calibration_note)
        return result
    return _infrastructure_error(
        request, f"infrastructure failed {INFRA_ATTEMPTS} times: {failures[-1]}"
    )


def _calibration(
    request: GradeRequest, progress: Callable[[str], None]
) -> tuple[Calibration | None, str]:
    """The reference's figures on this machine for relative thresholds, and a note."""
    lab = request.lab
    found = calibration.cached(lab)
    if found is None and request.mode == "grade":
        if not (lab.path / lab.manifest.lab.reference_dir).is_dir():
            return None, "no reference solution here: load thresholds use their absolute bounds"
        progress(
            f"calibrating against the reference solution ({calibration.RUNS} load runs, "
            "once per machine)..."
        )
        found = calibrate_lab(lab, progress)
    if found is None:
        return None, "no calibration on this machine: load thresholds use their absolute bounds"
    return found, (
        f"load thresholds marked relative are multiples of the reference solution's figures "
        f"measured on this machine (median of {found.runs} runs, calibration {found.key})"
    )


def calibrate_lab(lab: Lab, progress: Callable[[str], None] = _say) -> Calibration:
    """Measure the reference solution's load figures on this machine and cache them."""

    def measure() -> dict[str, dict[str, float | None]]:
        with tempfile.TemporaryDirectory(prefix="labgrade-calibrate-") as out:
            request = GradeRequest(
                lab=lab,
                submission=lab.path / lab.manifest.lab.reference_dir,
                out_dir=Path(out),
                calibrating=True,
            )
            result = grade(request, progress=lambda _: None)
        if result.status != "graded":
            raise InfrastructureError(f"calibration run failed: {result.error}")
        specs = {load.name: load for load in lab.manifest.load}
        return {
            load.name: {
                t.key: score.figure_value(t, load.stats, load.endpoints, load.figures)
                for t in specs[load.name].threshold
                if t.relative
            }
            for load in result.loads
        }

    found = calibration.calibrate(lab, measure)
    progress(f"calibrated {lab.id}: {found.figures}")
    return found


def _publish(
    result: GradingResult, started_at: str, timer: PhaseTimer, folder: ReportFolder
) -> None:
    result.started_at = started_at
    with timer.phase("reports"):
        result.timings = timer.summary()
        write_reports(result, folder.staging)
    result.timings = timer.summary()
    result.write(folder.staging / "result.json")
    folder.publish()


def _empty_result(request: GradeRequest, status: Status) -> GradingResult:
    manifest = request.lab.manifest
    return GradingResult(
        lab=request.lab.id,
        title=manifest.lab.title,
        submission=str(request.submission),
        mode=request.mode,
        status=status,
        score=None,
        max_score=_max_score(request),
        lab_max_score=manifest.max_score,
    )


def _infrastructure_error(request: GradeRequest, error: str, fix: str = "") -> GradingResult:
    result = _empty_result(request, "infrastructure_error")
    result.error, result.fix = error, fix
    return result


def _selected(request: GradeRequest) -> tuple[list[CheckSpec], list[LoadSpec]]:
    manifest = request.lab.manifest
    checks = [c for c in manifest.check if request.mode == "grade" or not c.hidden]
    if request.calibrating:
        checks = []
    loads = manifest.load if request.with_load else []
    return checks, loads


def _selected_notebook(request: GradeRequest) -> NotebookSpec | None:
    """The analysis notebook has hidden tests: graded by `grade`, never by `check`."""
    if request.mode != "grade" or request.calibrating:
        return None
    return request.lab.manifest.notebook


def _hidden_tests(request: GradeRequest) -> Path | None:
    if request.mode != "grade":
        return None
    return request.hidden_tests or request.lab.path / "tests" / "hidden"


def _max_score(request: GradeRequest) -> float:
    checks, loads = _selected(request)
    notebook = _selected_notebook(request)
    return (
        sum(c.points for c in checks)
        + sum(lo.points for lo in loads)
        + (notebook.points if notebook else 0)
    )


@contextmanager
def _turn(timer: PhaseTimer, turn: AbstractContextManager) -> Iterator[None]:
    """Hold a turn on the machine; the wait for it is timed as the `queue` phase."""
    with ExitStack() as held:
        with timer.phase(QUEUE, announce=False):
            held.enter_context(turn)
        yield


@dataclass
class _Run:
    """What one attempt has started, for the phases that use it."""

    run_id: str
    workspace: Workspace
    infra: Infrastructure
    infra_env: dict[str, str]
    services: StudentServices
    control: ControlServer
    policy: sandbox.Policy
    context: RunContext | None = None
    """What tests and load scenarios are told, once the services have their ports."""
    context_path: Path | None = None

    def tell(self, checks: list[CheckSpec]) -> None:
        self.context = _run_context(self, checks)
        self.context_path = self.context.write(self.workspace.work / "context.json")


def _grade_once(
    request: GradeRequest,
    timer: PhaseTimer,
    progress: Callable[[str], None],
    reference: Calibration | None,
    staging: Path,
) -> GradingResult:
    checks, loads = _selected(request)
    notebook = _selected_notebook(request)
    turns = request.turns
    shared = (lambda: _turn(timer, turns.shared())) if turns else nullcontext
    exclusive = (lambda: _turn(timer, turns.exclusive())) if turns else nullcontext
    result = _empty_result(request, "graded")
    result.notes.extend(sandbox.isolation_notes())
    manifest_notebook = request.lab.manifest.notebook
    if request.mode == "check" and manifest_notebook is not None:
        result.notes.append(
            f"the analysis notebook ({manifest_notebook.submission_folder}/"
            f"{manifest_notebook.file}, {manifest_notebook.points:g} points) is graded by "
            "hidden tests in `labgrade grade`; its visible checks run in Jupyter"
        )
    with ExitStack() as stack:
        run = _open_run(request, timer, stack, result, staging)
        with shared(), timer.phase("services"):
            for problem in run.services.start_all():
                result.problems.append(problem)
                progress(problem)
        _require_own_ports(run.services)
        run.tell(checks)
        with shared(), timer.phase("checks"):
            result.checks = _check_phase(request, run, checks, loads, timer)
        if request.mode == "check":
            result.checks = _with_groups_not_run_here(request.lab, result.checks)
        _require_healthy(run.infra, "the checks")
        _require_own_ports(run.services)
        if loads:
            with exclusive(), timer.phase("load"):
                for load in loads:
                    figures = reference.for_load(load.name) if reference else {}
                    result.loads.append(_run_one_load(load, run, request.mode, figures))
            _require_healthy(run.infra, "the load run")
            _require_own_ports(run.services)
        if notebook is not None:
            with shared(), timer.phase("notebook"):
                result.checks.append(_grade_notebook(request, notebook, run))
            result.notes.append(_NOTEBOOK_ISOLATION[sandbox.bubblewrap() is not None])
        with shared(), timer.phase("teardown"):
            stack.close()
    result.score = score.total(
        [c.points for c in result.checks] + [lo.points for lo in result.loads], result.max_score
    )
    return result


def _open_run(
    request: GradeRequest,
    timer: PhaseTimer,
    stack: ExitStack,
    result: GradingResult,
    staging: Path,
) -> _Run:
    """Workspace, infrastructure, services (not started yet) and the control server,
    each registered on `stack` for the teardown, in the order they must be undone."""
    lab = request.lab
    run_id = f"lg{uuid.uuid4().hex[:10]}"
    with timer.phase("workspace"):
        workspace = build_workspace(lab, request.submission, _hidden_tests(request))
        stack.callback(workspace.remove)
        stack.callback(_keep_logs, workspace, staging)
        result.ignored_changes = workspace.ignored_changes
    with timer.phase("provision"):
        infra = stack.enter_context(
            nullcontext(request.shared_infra)
            if request.shared_infra is not None
            else open_infrastructure(request.infra, lab.manifest.lab.infra, request.mode)
        )
        stack.callback(infra.drop_namespace, run_id)
    policy = _sandbox_policy(request, workspace, infra)
    infra_env = infra.environment(run_id)
    services = StudentServices(
        lab.manifest.service,
        submission_dir=workspace.submission,
        support_dir=workspace.trusted / "support",
        state_dir=workspace.state,
        logs_dir=workspace.logs,
        infra_env=infra_env,
        python=sys.executable,
        policy=policy,
    )
    stack.callback(lambda: result.services.extend(services.reports()))
    stack.callback(services.stop_all)
    control = stack.enter_context(ControlServer(services))
    return _Run(run_id, workspace, infra, infra_env, services, control, policy)


def _check_phase(
    request: GradeRequest,
    run: _Run,
    checks: list[CheckSpec],
    loads: list[LoadSpec],
    timer: PhaseTimer,
) -> list[CheckResult]:
    """Every selected check group, scored by the fraction of its tests that passed."""
    budget = (
        request.lab.manifest.lab.time_limit_s
        - timer.elapsed(excluding=NOT_THE_STUDENTS_TIME)
        - _load_allowance(loads, request.mode)
    )
    outcomes = run_checks(
        checks, run.context, run.context_path, run.workspace.work, max(30.0, budget)
    )
    return [_check_result(check, outcomes.get(check.name, [])) for check in checks]


def _check_result(check: CheckSpec, tests: list[TestOutcome]) -> CheckResult:
    """A check group's points by the fraction of its tests that passed (none: 0)."""
    return CheckResult(
        name=check.name,
        title=check.title,
        concept=check.concept,
        points=score.check_points(check, tests),
        max_points=check.points,
        hidden=check.hidden,
        visibility=check.gradescope_visibility,
        tests=tests,
    )


def _with_groups_not_run_here(lab: Lab, run_here: list[CheckResult]) -> list[CheckResult]:
    """Every group of the lab, in the manifest's order: those `labgrade check` ran, and
    the hidden ones and the notebook with their points, never run here (reports say
    so), so that a student sees what the whole lab grades and not only the smoke."""
    ran = {check.name: check for check in run_here}
    groups = [ran.get(check.name) or _check_result(check, []) for check in lab.manifest.check]
    if lab.manifest.notebook is not None:
        groups.append(notebook_group(lab.manifest.notebook))
    return groups


_NOTEBOOK_ISOLATION = {
    True: "notebook: its kernel runs in bubblewrap with no network and no view of the source "
    "notebook, the gradebook or the workspace; feedback gives points per question, never a "
    "cell's output",
    False: "notebook: bubblewrap is not installed, so its kernel is not isolated: student code "
    "in it could read the hidden tests",
}


def _grade_notebook(request: GradeRequest, notebook: NotebookSpec, run: _Run) -> CheckResult:
    workspace = run.workspace
    job = NotebookRun(
        assignment=request.lab.id,
        source_dir=workspace.trusted / notebook.source_dir,
        submission_dir=workspace.submission,
        scratch=workspace.root / "notebook",
        hidden=(str(workspace.root), *run.policy.hidden),
    )
    try:
        return grade_notebook(notebook, job)
    except NotebookSourceError as exc:  # the instructor's side: no score, not a zero
        raise InfrastructureError(f"the lab's notebook cannot be graded: {exc}") from None


def _run_one_load(load: LoadSpec, run: _Run, mode: Mode, reference: dict[str, float]) -> LoadResult:
    services = run.services
    for name in services.names:
        if not services.is_running(name):  # a check may have left a service stopped
            try:
                services.start(name)
            except ServiceStartError as exc:
                return _failed_load(load, f"the load run could not start: {exc}")
    smoke = mode == "check"
    done = run_load(load, run.context, run.context_path, run.workspace.work, smoke=smoke)
    if done.crashed:
        return _failed_load(load, "the load run failed: " + done.crashed.strip().splitlines()[-1])
    points, thresholds = score.load_points(
        load, done.stats, done.endpoints, done.figures, reference, smoke=smoke
    )
    return LoadResult(
        name=load.name,
        title=load.title,
        concept=load.concept,
        points=points,
        max_points=load.points,
        stats=done.stats,
        thresholds=thresholds,
        endpoints=done.endpoints,
        figures=done.figures,
        errors=done.errors,
        message="; ".join(done.faults),
    )


def _failed_load(load: LoadSpec, message: str) -> LoadResult:
    _, thresholds = score.load_points(load, LoadStats(), [], {})
    return LoadResult(
        name=load.name,
        title=load.title,
        concept=load.concept,
        points=0.0,
        max_points=load.points,
        stats=LoadStats(),
        thresholds=thresholds,
        message=message,
    )


def _load_allowance(loads: list[LoadSpec], mode: Mode) -> float:
    return sum(
        (lo.smoke_duration_s if mode == "check" else lo.warmup_s + lo.duration_s) + 30
        for lo in loads
    )


def _require_healthy(infra: Infrastructure, during: str) -> None:
    broken = infra.unhealthy()
    if broken:
        raise InfrastructureError(f"{', '.join(broken)} stopped answering during {during}")


def _require_own_ports(services: StudentServices) -> None:
    """A port another program took is the machine's failure, not the student's."""
    if services.infrastructure_failure:
        raise InfrastructureError(services.infrastructure_failure)


def _sandbox_policy(
    request: GradeRequest, workspace: Workspace, infra: Infrastructure
) -> sandbox.Policy:
    """Student code sees its own copy, state and infrastructure credentials; never tests,
    lab sources or results."""
    hidden = [workspace.trusted, workspace.work, workspace.logs, request.out_dir.resolve()]
    hidden += [labs_root(), request.lab.path, labs_root().parent / "grading"]
    return sandbox.Policy(
        writable=(str(workspace.submission), str(workspace.state)),
        hidden=tuple(str(p) for p in hidden),
        readable=(*sandbox.runtime_paths(), *infra.client_files()),
    )


def _run_context(run: _Run, checks: list[CheckSpec]) -> RunContext:
    workspace, services, policy = run.workspace, run.services, run.policy
    return RunContext(
        run_id=run.run_id,
        lab_dir=str(workspace.trusted),
        submission_dir=str(workspace.submission),
        state_dir=str(workspace.state),
        python=sys.executable,
        services=services.publish_addresses(),
        service_names=services.names,
        infra_env=run.infra_env,
        control_url=run.control.url,
        control_token=run.control.token,
        test_timeouts={sel: c.test_timeout_s for c in checks for sel in c.tests},
        results_path=str(workspace.work / "test-results.jsonl"),
        fault_token=services.fault_token,
        check_selections={c.name: list(c.tests) for c in checks},
        check_faults={c.name: [f.model_dump() for f in c.fault] for c in checks if c.fault},
        sandbox_writable=list(policy.writable),
        sandbox_hidden=list(policy.hidden),
        sandbox_readable=list(policy.readable),
    )


def _keep_logs(workspace: Workspace, staging: Path) -> None:
    """Service and tool logs go with the reports; the workspace itself is removed."""
    target = staging / "logs"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True, exist_ok=True)
    for log in [*workspace.logs.glob("*.log"), *workspace.work.glob("*.log")]:
        shutil.copy2(log, target / log.name)
