"""Parent side of a load check: plan it, run Locust in a subprocess, read the figures."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from grader import interrupt
from grader.infra.processes import stop_group
from grader.lab.manifest import LoadSpec
from grader.result import EndpointStats, LoadStats
from grader.run import sandbox
from grader.run.context import ENV_VAR, RunContext

SMOKE_WARMUP_S = 1.0
DRAIN_ALLOWANCE_S = 60.0
"""Time after the measured part for test_stop listeners (final-state checks) and exit."""


@dataclass
class LoadRun:
    stats: LoadStats
    endpoints: list[EndpointStats] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    crashed: str = ""


def plan_for(spec: LoadSpec, context: RunContext, smoke: bool) -> dict:
    host = next(iter(context.services.values()), "http://127.0.0.1")
    return {
        "locustfile": str(Path(context.lab_dir) / spec.locustfile),
        "host": host,
        "users": spec.users,
        "spawn_rate": spec.spawn_rate,
        "warmup_s": SMOKE_WARMUP_S if smoke else spec.warmup_s,
        "duration_s": spec.smoke_duration_s if smoke else spec.duration_s,
        # A smoke run is for the student's quick feedback: no faults injected.
        "faults": [] if smoke else [f.model_dump() for f in spec.fault],
    }


def run_load(
    spec: LoadSpec, context: RunContext, context_path: Path, work_dir: Path, smoke: bool
) -> LoadRun:
    plan = plan_for(spec, context, smoke)
    plan_path = work_dir / f"load-{spec.name}-plan.json"
    out_path = work_dir / f"load-{spec.name}-stats.json"
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    env = sandbox.base_environment() | {ENV_VAR: str(context_path)}
    timeout = plan["warmup_s"] + plan["duration_s"] + DRAIN_ALLOWANCE_S
    with (work_dir / f"load-{spec.name}.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "grader.load.locust_main", str(plan_path), str(out_path)],
            cwd=context.lab_dir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        interrupt.wait_process(proc, timeout)
    finally:
        stop_group(proc)
    if not out_path.exists():
        return LoadRun(LoadStats(), crashed=f"the load run did not finish within {timeout:.0f} s")
    data = json.loads(out_path.read_text(encoding="utf-8"))
    if "crash" in data:
        return LoadRun(LoadStats(), crashed=data["crash"])
    return LoadRun(
        stats=LoadStats(**data["stats"]),
        endpoints=[EndpointStats(**e) for e in data["endpoints"]],
        figures=data["figures"],
        errors=data["errors"],
        faults=data["faults"],
    )
