"""What a test or load process needs to know about the run it belongs to.

The grader writes it as JSON into the trusted workspace and passes the path in
LABGRADE_CONTEXT; pytest and Locust run in their own processes and read it back.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

ENV_VAR = "LABGRADE_CONTEXT"


@dataclass
class RunContext:
    run_id: str
    lab_dir: str
    submission_dir: str
    state_dir: str
    python: str
    services: dict[str, str]
    service_names: list[str]
    infra_env: dict[str, str]
    control_url: str
    control_token: str
    test_timeouts: dict[str, float] = field(default_factory=dict)
    results_path: str = ""
    call_memory_mb: int = 1024
    fault_token: str = ""
    check_selections: dict[str, list[str]] = field(default_factory=dict)
    check_faults: dict[str, list[dict]] = field(default_factory=dict)
    sandbox_writable: list[str] = field(default_factory=list)
    sandbox_hidden: list[str] = field(default_factory=list)
    sandbox_readable: list[str] = field(default_factory=list)

    @property
    def kafka_bootstrap(self) -> str:
        return self.infra_env.get("KAFKA_BOOTSTRAP_SERVERS", "")

    @property
    def topic_prefix(self) -> str:
        return self.infra_env.get("TOPIC_PREFIX", "")

    @property
    def mlflow_tracking_uri(self) -> str:
        return self.infra_env.get("MLFLOW_TRACKING_URI", "")

    @property
    def mlflow_prefix(self) -> str:
        return self.infra_env.get("MLFLOW_NAME_PREFIX", "")

    @property
    def kubeconfig(self) -> str:
        return self.infra_env.get("KUBECONFIG", "")

    @property
    def kube_prefix(self) -> str:
        return self.infra_env.get("KUBE_NAMESPACE_PREFIX", "")

    def url(self, name: str) -> str:
        try:
            return self.services[name]
        except KeyError:
            raise KeyError(
                f"no service '{name}' with a port (known: {', '.join(self.services)})"
            ) from None

    def write(self, path: Path) -> Path:
        path.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
        return path

    @classmethod
    def read(cls, path: Path) -> RunContext:
        return cls(**json.loads(path.read_text(encoding="utf-8")))

    @classmethod
    def from_environment(cls) -> RunContext:
        path = os.environ.get(ENV_VAR)
        if not path:
            raise RuntimeError(f"{ENV_VAR} is not set: this runs only inside a labgrade run")
        return cls.read(Path(path))
