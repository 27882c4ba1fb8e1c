"""Start the nbgrader worker with a job, bounded in time, and read its answer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from grader import interrupt
from grader.infra.processes import kill_processes_mentioning, kill_tree
from grader.run import sandbox

LOG_NAME = "nbgrader.log"


def worker_log_tail(scratch: Path, lines: int = 15) -> str:
    """The end of the worker's log, for an instructor's error message (never a
    student's: a log of an autograde can quote test cells)."""
    log = (scratch / LOG_NAME).read_text(encoding="utf-8", errors="replace")
    return "\n".join(log.strip().splitlines()[-lines:])


def worker_environment(scratch: Path) -> dict[str, str]:
    """No user Jupyter or nbgrader configuration, temporary files in the scratch folder,
    and the venv's scripts on PATH: nbgrader runs `alembic` as a command."""
    folders = {
        "JUPYTER_CONFIG_DIR": scratch / "jupyter-config",
        "JUPYTER_DATA_DIR": scratch / "jupyter-data",
        "JUPYTER_RUNTIME_DIR": scratch / "jupyter-runtime",
        "TMPDIR": scratch / "tmp",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    env = sandbox.base_environment()
    env.update({name: str(folder) for name, folder in folders.items()})
    env["JUPYTER_PATH"] = str(scratch / "jupyter-data")
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '/usr/bin:/bin')}"
    return env


def run_worker(
    job: dict[str, Any], scratch: Path, timeout_s: float, sweep: str | None = None
) -> dict[str, Any]:
    """The worker's answer: `{"ok": True, ...}` or `{"ok": False, "reason": ...}`.

    `sweep`: an argument only this run's kernel has on its command line; whatever
    still carries it afterwards is killed (Jupyter stops a kernel by killing the
    sandbox's outer process alone, which leaves the inner one running).
    """
    scratch.mkdir(parents=True, exist_ok=True)
    answer = scratch / "answer.json"
    job_path = scratch / "job.json"
    job_path.write_text(json.dumps({**job, "answer": str(answer)}), encoding="utf-8")
    with (scratch / LOG_NAME).open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "grader.notebook.worker", str(job_path)],
            cwd=scratch,
            env=worker_environment(scratch),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            if not interrupt.wait_process(proc, timeout_s):
                reason = f"the notebook did not finish within {timeout_s:g} s"
                return {"ok": False, "reason": reason}
        finally:
            kill_tree(proc)
            if sweep is not None:
                kill_processes_mentioning(sweep)
    try:
        return json.loads(answer.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        reason = f"nbgrader stopped without an answer (exit {proc.returncode})"
        return {"ok": False, "reason": reason}
