"""The run a locustfile belongs to: `from grader.load import context; context.url("api")`."""

from __future__ import annotations

from functools import cache

from grader.run.context import RunContext
from grader.run.faults import RemoteFaults
from grader.run.remote import RemoteServices


@cache
def _run() -> RunContext:
    return RunContext.from_environment()


def url(name: str) -> str:
    return _run().url(name)


def services() -> RemoteServices:
    return RemoteServices(_run())


def faults() -> RemoteFaults:
    """The support services' switches: set latency, errors, outages; read call counts."""
    return RemoteFaults(_run())


def __getattr__(name: str) -> str:
    if name in (
        "kafka_bootstrap",
        "topic_prefix",
        "mlflow_tracking_uri",
        "mlflow_prefix",
        "kubeconfig",
        "kube_prefix",
        "state_dir",
        "run_id",
    ):
        return getattr(_run(), name)
    raise AttributeError(name)
