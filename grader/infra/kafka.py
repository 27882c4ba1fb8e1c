"""Kafka, embedded: the `noida-db` broker (a Kafka-protocol server in one binary).

We run the binary itself, not the `noida-db` console script: the script is a Python
wrapper that does not pass signals on, so stopping it would leave the broker running.
Each broker gets a free loopback port and its own data folder, removed on stop.
Known gaps of this broker, and how the labs live with them, are in DESIGN.md.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
import time
from importlib.resources import files
from pathlib import Path

from grader.infra.ports import free_port, wait_for_port
from grader.infra.processes import stop_group
from grader.infra.service import InfraService, InfrastructureError


def broker_binary() -> Path:
    binary = Path(str(files("noida_db").joinpath("noida-db")))
    if not binary.is_file():
        raise InfrastructureError(f"the noida-db broker binary is missing at {binary}")
    if not os.access(binary, os.X_OK):
        binary.chmod(binary.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return binary


def topic_prefix(run_id: str) -> str:
    return f"{run_id}."


class KafkaBroker(InfraService):
    """A broker owned by this object: started on start(), gone after stop()."""

    name = "kafka"

    def __init__(self, port: int | None = None, data_dir: Path | None = None) -> None:
        self.port = port or free_port()
        self._owns_data_dir = data_dir is None
        self.data_dir = data_dir or Path(tempfile.mkdtemp(prefix="labgrade-kafka-"))
        self.log_path = self.data_dir / "broker.log"
        self._proc: subprocess.Popen | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self) -> None:
        log = self.log_path.open("ab")
        argv = [str(broker_binary()), "start", "--data-dir", str(self.data_dir / "data")]
        argv += ["--only", "kafka", "--kafka-port", str(self.port), "--host", "127.0.0.1"]
        self._proc = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()

    def wait_until_ready(self, timeout_s: float = 15) -> None:
        deadline = time.monotonic() + timeout_s
        if not wait_for_port(self.port, timeout_s):
            raise InfrastructureError(self._why_not_ready(timeout_s))
        from confluent_kafka.admin import AdminClient

        admin = AdminClient({"bootstrap.servers": self.bootstrap, "log_level": 3})
        while True:
            try:
                admin.list_topics(timeout=max(0.5, deadline - time.monotonic()))
                return
            except Exception as exc:
                if time.monotonic() > deadline:
                    raise InfrastructureError(f"kafka broker not answering: {exc}") from exc
                time.sleep(0.1)

    def _why_not_ready(self, timeout_s: float) -> str:
        tail = self.log_path.read_text(errors="replace")[-400:] if self.log_path.exists() else ""
        code = self._proc.poll() if self._proc else None
        state = f"exited with code {code}" if code is not None else "still running"
        where = f"{self.bootstrap} within {timeout_s} s"
        return f"kafka broker did not listen on {where} ({state}): {tail}"

    def connection(self) -> dict[str, str]:
        return {"KAFKA_BOOTSTRAP_SERVERS": self.bootstrap}

    def namespace(self, run_id: str) -> dict[str, str]:
        return {"TOPIC_PREFIX": topic_prefix(run_id)}

    def drop_namespace(self, run_id: str) -> None:
        delete_topics_with_prefix(self.bootstrap, topic_prefix(run_id))

    def is_healthy(self) -> bool:
        return self._proc is not None and self._proc.poll() is None and wait_for_port(self.port, 1)

    def stop(self) -> None:
        if self._proc is not None:
            stop_group(self._proc)
            self._proc = None
        if self._owns_data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)


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
