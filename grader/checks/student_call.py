"""The `student_call` fixture: call one function of the submission, sandboxed.

Some properties can only be read from code (a producer's configuration, say).  The
call runs in a separate sandboxed process and returns data; the test decides.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from grader.checks.call_shim import MARKER
from grader.run import sandbox
from grader.run.context import RunContext


class StudentCallError(AssertionError):
    """The student's function could not be called or raised; the message says which."""


def call(context: RunContext, target: str, *args: Any, timeout_s: float = 20) -> Any:
    submission = Path(context.submission_dir)
    env = sandbox.base_environment() | context.infra_env
    env |= {"PYTHONPATH": str(submission), "STATE_DIR": context.state_dir}
    request = json.dumps({"target": target, "args": list(args)}).encode()
    try:
        done = sandbox.run(
            [context.python or sys.executable, "-m", "grader.checks.call_shim"],
            cwd=submission,
            env=env,
            limits=sandbox.Limits(memory_mb=context.call_memory_mb),
            policy=sandbox.Policy(
                writable=tuple(context.sandbox_writable),
                hidden=tuple(context.sandbox_hidden),
                readable=tuple(context.sandbox_readable) or sandbox.runtime_paths(),
            ),
            timeout_s=timeout_s,
            input_bytes=request,
        )
    except subprocess.TimeoutExpired:
        raise StudentCallError(f"calling {target} did not return within {timeout_s:g} s") from None
    # split("\n"), not splitlines(): the marker's record separator counts as a line break there.
    for line in done.stdout.decode(errors="replace").split("\n"):
        if line.startswith(MARKER):
            reply = json.loads(line[len(MARKER) :])
            if reply["ok"]:
                return reply["value"]
            raise StudentCallError(f"calling {target} raised {reply['error']}")
    stderr = done.stderr.decode(errors="replace").strip().splitlines()[-3:]
    raise StudentCallError(f"calling {target} crashed (exit {done.returncode}): {' '.join(stderr)}")
