"""`labgrade grade` and `labgrade check`: one grading run, phase by phase.

    workspace -> provision -> services -> checks -> load -> notebook -> teardown -> score
    -> reports

Infrastructure failures are retried; if they persist the result says
`infrastructure_error` and carries no score, never a zero that looks earned.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from grader import score
from grader.checks.runner import run_checks
from grader.infra.local import Infrastructure
from grader.infra.provider import open_infrastructure
from grader.infra.service import InfrastructureError
from grader.lab.discovery import Lab, labs_root
from grader.lab.manifest import CheckSpec, LoadSpec, NotebookSpec
from grader.load import calibration
from grader.load.calibration import Calibration, needs_calibration
from grader.load.runner import run_load
from grader.notebook.autograde import NotebookRun, grade_notebook
from grader.notebook.questions import NotebookSourceError
from grader.report import write_reports
from grader.result import CheckResult, GradingResult, LoadResult, LoadStats
from grader.run import sandbox
from grader.run.context import RunContext
from grader.run.control import ControlServer
from grader.run.services import ServiceStartError, StudentServices
from grader.run.workspace import Workspace, build_workspace
from grader.timing import PhaseTimer

INFRA_ATTEMPTS = 2
Mode = Literal["grade", "check"]


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
    load_turn: AbstractContextManager | None = None
    """Held around the load phase, so that runs sharing a machine take turns and no
    load run is measured while another one loads the machine."""


def _say(message: str) -> None:
    print(f"[labgrade] {message}", file=sys.stderr, flush=True)


def grade(request: GradeRequest, progress: Callable[[str], None] = _say) -> GradingResult:
    """Grade once, retrying the whole run when infrastructure (not the student) failed."""
    started_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    failure = ""
    timer = PhaseTimer(on_phase=lambda name: progress(f"{name}..."))
    calibration, calibration_note = None, ""
    if request.with_load and not request.calibrating and needs_calibration(request.lab):
        with timer.phase("calibrate"):
            calibration, calibration_note = _calibration(request, progress)
    for attempt in range(1, INFRA_ATTEMPTS + 1):
        try:
            result = _grade_once(request, timer, progress, calibration)
        except InfrastructureError as exc:
            failure = str(exc)
            progress(f"infrastructure failed (attempt {attempt}/{INFRA_ATTEMPTS}): {failure}")
            timer = PhaseTimer(on_phase=lambda name: progress(f"{name}..."))
            continue
        result.started_at = started_at
        if calibration_note:
            result.notes.append(calibration_note)
        return _finish(request, result, timer)
    result = _empty_result(request, "infrastructure_error")
    result.error = f"infrastructure failed {INFRA_ATTEMPTS} times: {failure}"
    result.started_at = started_at
    return _finish(request, result, PhaseTimer())


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


def _finish(request: GradeRequest, result: GradingResult, timer: PhaseTimer) -> GradingResult:
    with timer.phase("reports"):
        request.out_dir.mkdir(parents=True, exist_ok=True)
        result.timings = timer.summary()
        write_reports(result, request.out_dir)
    result.timings = timer.summary()
    result.write(request.out_dir / "result.json")
    return result


def _empty_result(
    request: GradeRequest, status: Literal["graded", "infrastructure_error"]
) -> GradingResult:
    manifest = request.lab.manifest
    return GradingResult(
        lab=request.lab.id,
        title=manifest.lab.title,
        submission=str(request.submission),
        mode=request.mode,
        status=status,
        score=None,
        max_score=_max_score(request),
    )


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


def _grade_once(
    request: GradeRequest,
    timer: PhaseTimer,
    progress: Callable[[str], None],
    reference: Calibration | None,
) -> GradingResult:
    lab, manifest = request.lab, request.lab.manifest
    checks, loads = _selected(request)
    run_id = f"lg{uuid.uuid4().hex[:10]}"
    notebook = _selected_notebook(request)
    result = _empty_result(request, "graded")
    result.notes.extend(sandbox.isolation_notes())
    if request.mode == "check" and manifest.notebook is not None:
        result.notes.append(
            f"the analysis notebook ({manifest.notebook.submission_folder}/"
            f"{manifest.notebook.file}, {manifest.notebook.points:g} points) is graded by "
            "hidden tests in `labgrade grade`; its visible checks run in Jupyter"
        )
    with ExitStack() as stack:
        with timer.phase("workspace"):
            workspace = build_workspace(lab, request.submission, _hidden_tests(request))
            stack.callback(workspace.remove)
            stack.callback(_keep_logs, workspace, request.out_dir)
            result.ignored_changes = workspace.ignored_changes
        with timer.phase("provision"):
            infra = stack.enter_context(
                nullcontext(request.shared_infra)
                if request.shared_infra is not None
                else open_infrastructure(request.infra, manifest.lab.infra, request.mode)
            )
            stack.callback(infra.drop_namespace, run_id)
        policy = _sandbox_policy(request, workspace, infra)
        infra_env = infra.environment(run_id)
        services = StudentServices(
            manifest.service,
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
        context = _run_context(workspace, run_id, services, infra_env, control, checks, policy)
        context_path = context.write(workspace.work / "context.json")
        with timer.phase("services"):
            for problem in services.start_all():
                result.problems.append(problem)
                progress(problem)
        with timer.phase("checks"):
            budget = (
                manifest.lab.time_limit_s - timer.elapsed() - _load_allowance(loads, request.mode)
            )
            outcomes = run_checks(checks, context, context_path, workspace.work, max(30.0, budget))
        _require_healthy(infra, "the checks")
        for check in checks:
            tests = outcomes.get(check.name, [])
            result.checks.append(
                CheckResult(
                    name=check.name,
                    title=check.title,
                    concept=check.concept,
                    points=score.check_points(check, tests),
                    max_points=check.points,
                    hidden=check.hidden,
                    visibility=check.gradescope_visibility,
                    tests=tests,
                )
            )
        with ExitStack() as turn:
            if loads and request.load_turn is not None:
                with timer.phase("load_queue"):
                    turn.enter_context(request.load_turn)
            with timer.phase("load"):
                for load in loads:
                    figures = reference.for_load(load.name) if reference else {}
                    result.loads.append(
                        _run_one_load(
                            load, services, context, context_path, workspace, request.mode, figures
                        )
                    )
        _require_healthy(infra, "the load run")
        if notebook is not None:
            with timer.phase("notebook"):
                result.checks.append(_grade_notebook(request, notebook, workspace, policy))
            result.notes.append(_NOTEBOOK_ISOLATION[sandbox.bubblewrap() is not None])
        with timer.phase("teardown"):
            stack.close()
    result.score = score.total(
        [c.points for c in result.checks] + [lo.points for lo in result.loads], result.max_score
    )
    return result


_NOTEBOOK_ISOLATION = {
    True: "notebook: its kernel runs in bubblewrap with no network and no view of the source "
    "notebook, the gradebook or the workspace; feedback gives points per question, never a "
    "cell's output",
    False: "notebook: bubblewrap is not installed, so its kernel is not isolated: student code "
    "in it could read the hidden tests",
}


def _grade_notebook(
    request: GradeRequest, notebook: NotebookSpec, workspace: Workspace, policy: sandbox.Policy
) -> CheckResult:
    run = NotebookRun(
        assignment=request.lab.id,
        source_dir=workspace.trusted / notebook.source_dir,
        submission_dir=workspace.submission,
        scratch=workspace.root / "notebook",
        hidden=(str(workspace.root), *policy.hidden),
    )
    try:
        return grade_notebook(notebook, run)
    except NotebookSourceError as exc:  # the instructor's side: no score, not a zero
        raise InfrastructureError(f"the lab's notebook cannot be graded: {exc}") from None


def _run_one_load(
    load: LoadSpec,
    services: StudentServices,
    context: RunContext,
    context_path: Path,
    workspace: Workspace,
    mode: Mode,
    reference: dict[str, float],
) -> LoadResult:
    for name in services.names:
        if not services.is_running(name):  # a check may have left a service stopped
            try:
                services.start(name)
            except ServiceStartError as exc:
                return _failed_load(load, f"the load run could not start: {exc}")
    run = run_load(load, context, context_path, workspace.work, smoke=mode == "check")
    if run.crashed:
        return _failed_load(load, "the load run failed: " + run.crashed.strip().splitlines()[-1])
    points, thresholds = score.load_points(load, run.stats, run.endpoints, run.figures, reference)
    return LoadResult(
        name=load.name,
        title=load.title,
        concept=load.concept,
        points=points,
        max_points=load.points,
        stats=run.stats,
        thresholds=thresholds,
        endpoints=run.endpoints,
        figures=run.figures,
        errors=run.errors,
        message="; ".join(run.faults),
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


def _sandbox_policy(
    request: GradeRequest, workspace: Workspace, infra: Infrastructure
) -> sandbox.Policy:
    """Student code sees its own copy, state and infrastructure credentials; never tests,
    lab sources or results."""
    request.out_dir.mkdir(parents=True, exist_ok=True)
    hidden = [workspace.trusted, workspace.work, workspace.logs, request.out_dir.resolve()]
    hidden += [labs_root(), request.lab.path, labs_root().parent / "grading"]
    return sandbox.Policy(
        writable=(str(workspace.submission), str(workspace.state)),
        hidden=tuple(str(p) for p in hidden),
        readable=(*sandbox.runtime_paths(), *infra.client_files()),
    )


def _run_context(
    workspace: Workspace,
    run_id: str,
    services: StudentServices,
    infra_env: dict[str, str],
    control: ControlServer,
    checks: list[CheckSpec],
    policy: sandbox.Policy,
) -> RunContext:
    context = RunContext(
        run_id=run_id,
        lab_dir=str(workspace.trusted),
        submission_dir=str(workspace.submission),
        state_dir=str(workspace.state),
        python=sys.executable,
        services=services.urls(),
        service_names=services.names,
        infra_env=infra_env,
        control_url=control.url,
        control_token=control.token,
        test_timeouts={sel: c.test_timeout_s for c in checks for sel in c.tests},
        results_path=str(workspace.work / "test-results.jsonl"),
        fault_token=services.fault_token,
        check_selections={c.name: list(c.tests) for c in checks},
        check_faults={c.name: [f.model_dump() for f in c.fault] for c in checks if c.fault},
        sandbox_writable=list(policy.writable),
        sandbox_hidden=list(policy.hidden),
        sandbox_readable=list(policy.readable),
    )
    return context


def _keep_logs(workspace: Workspace, out_dir: Path) -> None:
    """Service and tool logs go to the output folder; the workspace itself is removed."""
    target = out_dir / "logs"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True, exist_ok=True)
    for log in [*workspace.logs.glob("*.log"), *workspace.work.glob("*.log")]:
        shutil.copy2(log, target / log.name)
