"""The kernel manager nbgrader's Execute preprocessor uses to run a student's notebook.

The kernel is the one student process that is handed hidden test source (every test
cell, as it runs), so it is confined harder than a service: no network namespace
but loopback, no view of the course folder, the gradebook or the workspace, and it
talks to nbgrader over Unix sockets (`transport = "ipc"`) in a folder bound into
its sandbox.  Configured by the worker through traitlets; imported by class path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from traitlets import Int, Unicode

from grader.run import sandbox


class SandboxedKernelManager(AsyncKernelManager):
    policy_json = Unicode("{}", help="sandbox.Policy fields as JSON").tag(config=True)
    working_dir = Unicode("", help="the kernel's cwd: the notebook's data files").tag(config=True)
    memory_mb = Int(2048).tag(config=True)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        fields = json.loads(self.policy_json)
        policy = sandbox.Policy(
            writable=tuple(fields["writable"]),
            hidden=tuple(fields["hidden"]),
            readable=(*fields["readable"], self.connection_file),
            network=fields["network"],
        )
        command = super().format_kernel_cmd(extra_arguments)
        limited = sandbox.limited(command, sandbox.Limits(memory_mb=self.memory_mb))
        return sandbox.confined(limited, Path(self.working_dir), policy)

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        command, kw = await super()._async_pre_start_kernel(**kw)
        home = Path(self.working_dir)
        kw["env"] = {
            **sandbox.base_environment(),
            "IPYTHONDIR": str(home / ".ipython"),
            "MPLCONFIGDIR": str(home / ".matplotlib"),
        }
        kw["cwd"] = str(home)
        # In its own PID namespace the kernel's parent is bwrap, so ipykernel's
        # "has my parent exited?" poller would shut it down at once.  Whatever of the
        # sandbox outlives the worker is swept by the runner (`run_worker(sweep=...)`).
        kw["independent"] = True
        return command, kw
