"""Kafka, embedded: the `noida-db` broker (a Kafka-protocol server in one binary).

We run the binary itself, not the `noida-db` console script: the script is a Python
wrapper that does not pass signals on, so stopping it would leave the broker running.
Each broker gets a free loopback port and its own data folder, removed on stop.
Known gaps of this broker, and how the labs live with them, are in DESIGN.md.
"""

from __future__ import annotations

import os
import stat
import time
from importlib.resources import files
from pathlib import Path

from grader import interrupt
from grader.infra.ports import wait_for_port
from grader.infra.service import InfraService, InfrastructureError, LocalProcessService


def broker_binary() -> Path:
    binary = Path(str(files("noida_db").joinpath("noida-db")))
    if not binary.is_file():
        raise InfrastructureError(f"the noida-db broker binary is missing at {binary}")
    if not os.access(binary, os.X_OK):
        binary.chmod(binary.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return binary


def topic_prefix(run_id: str) -> str:
    return f"{run_id}."


class KafkaBroker(LocalProcessService):
    """A broker owned by this object: started on start(), gone after stop()."""

    name = "kafka"

    def __init__(self, port: int | None = None, data_dir: Path | None = None) -> None:
        super().__init__(port, data_dir)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        argv = [str(broker_binary()), "start", "--data-dir", str(self.data_dir / "data")]
        argv += ["--only", "kafka", "--kafka-port", str(self.port), "--host", "127.0.0.1"]
        self._launch(argv)

    def wait_until_ready(self, timeout_s: float = 15) -> None:
        deadline = time.monotonic() + timeout_s
        if not wait_for_port(self.port, timeout_s):
            raise self._not_ready(self.bootstrap, timeout_s)
        from confluent_kafka.admin import AdminClient

        admin = AdminClient({"bootstrap.servers": self.bootstrap, "log_level": 3})
        while True:
            try:
                admin.list_topics(timeout=max(0.5, deadline - time.monotonic()))
                return
            except Exception as exc:
                if time.monotonic() > deadline:
                    raise InfrastructureError(f"kafka broker not answering: {exc}") from exc
                interrupt.sleep(0.1)

    def connection(self) -> dict[str, str]:
        return {"KAFKA_BOOTSTRAP_SERVERS": self.bootstrap}

    def namespace(self, run_id: str) -> dict[str, str]:
        return {"TOPIC_PREFIX": topic_prefix(run_id)}

    def drop_namespace(self, run_id: str) -> None:
        delete_topics_with_prefix(self.bootstrap, topic_prefix(run_id))

    def is_healthy(self) -> bool:
        return self._running() and wait_for_port(self.port, 1)


def delete_topics_with_prefix(bootstrap: str, prefix: str, timeout_s: float = 10) -> list[str]:
    """Remove one run's topics from a shared broker; returns the names removed."""
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 3})
    names = [t for t in admin.list_topics(timeout=timeout_s).topics if t.startswith(prefix)]
    if names:
        for future in admin.delete_topics(names, operation_timeout=timeout_s).values():
            future.result()
    return names


class ExternalKafka(InfraService):
    """A broker somebody else runs (`labgrade infra up`, or an instructor's cluster).

    Only the run's own topics are ever touched: they are created under the run's
    prefix and deleted with it.
    """

    name = "kafka"

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap

    def start(self) -> None:
        pass

    def wait_until_ready(self, timeout_s: float = 10) -> None:
        host, _, port = self.bootstrap.rpartition(":")
        if not wait_for_port(int(port), timeout_s, host or "127.0.0.1"):
            raise InfrastructureError(f"kafka at {self.bootstrap} is not listening")

    def connection(self) -> dict[str, str]:
        return {"KAFKA_BOOTSTRAP_SERVERS": self.bootstrap}

    def namespace(self, run_id: str) -> dict[str, str]:
        return {"TOPIC_PREFIX": topic_prefix(run_id)}

    def drop_namespace(self, run_id: str) -> None:
        delete_topics_with_prefix(self.bootstrap, topic_prefix(run_id))

    def is_healthy(self) -> bool:
        host, _, port = self.bootstrap.rpartition(":")
        return wait_for_port(int(port), 1, host or "127.0.0.1")

    def stop(self) -> None:
        pass
