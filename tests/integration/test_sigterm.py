"""SIGTERM (a cancelled CI job, an instructor's `kill`, a pod being stopped) in every
phase of a real lab's grading unwinds like Ctrl-C: exit 143, an `interrupted` result
without a score, and nothing left behind: no process (so no listening port), no topic
or namespace of the run on the (shared) infrastructure, no temporary folder.

Each grading runs as `labgrade` in a process of its own, with a temporary folder of
its own (TMPDIR), so "nothing left" is exact: that folder must end up empty, and no
process may still mention it.  The signal goes out once stderr announces the phase.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from confluent_kafka.admin import AdminClient
from kubernetes.client import CoreV1Api

from grader.infra.kafka import KafkaBroker
from grader.lab.discovery import resolve_lab

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
UNWIND_S = 60


@pytest.fixture(scope="module")
def broker():
    broker = KafkaBroker()
    broker.start()
    try:
        broker.wait_until_ready()
        yield broker
    finally:
        broker.stop()


def _grade_and_stop(tmp_path: Path, lab: str, phase: str, after_s: float, *extra: str, **env):
    """Grade the lab's solution, SIGTERM it `after_s` into `phase`; (exit code, stderr,
    result.json, the processes it left, what is left in its TMPDIR)."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    out = tmp_path / "out"
    solution = resolve_lab(lab).path / "solution"
    before = {p.pid for p in psutil.process_iter()}
    argv = [sys.executable, "-m", "grader.cli", "grade", lab, "--submission", str(solution)]
    proc = subprocess.Popen(
        [*argv, "--out", str(out), *extra],
        cwd=REPO,
        env=dict(os.environ) | {"TMPDIR": str(tmp)} | env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    reached = threading.Event()

    def read() -> None:
        for line in proc.stderr:
            lines.append(line)
            if line.strip() == f"[labgrade] {phase}...":
                reached.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert reached.wait(timeout=240), f"never reached {phase}: {''.join(lines)[-3000:]}"
        time.sleep(after_s)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=UNWIND_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(timeout=10)
    time.sleep(0.5)  # children the kernel is still reaping
    left = [
        (p.pid, " ".join(p.info["cmdline"] or []))
        for p in psutil.process_iter(["cmdline", "cwd", "status"])
        if p.pid not in before
        and p.info["status"] != psutil.STATUS_ZOMBIE
        and str(tmp_path) in " ".join([*(p.info["cmdline"] or []), p.info["cwd"] or ""])
    ]
    result = json.loads((out / "result.json").read_text())
    return code, "".join(lines), result, left, sorted(tmp.iterdir())


def _assert_unwound(phase: str, code: int, stderr: str, result: dict, left, leftovers) -> None:
    assert code == 128 + signal.SIGTERM, stderr[-3000:]
    assert "SIGTERM: stopping, cleaning up" in stderr
    assert "Traceback" not in stderr, stderr[-3000:]
    assert result["status"] == "interrupted" and result["score"] is None
    assert f"during the {phase} phase" in result["error"]
    assert left == [], f"processes left after SIGTERM in {phase}: {left}"
    assert leftovers == [], f"temporary folders left after SIGTERM in {phase}: {leftovers}"


def test_sigterm_while_the_control_plane_starts(tmp_path) -> None:
    code, stderr, result, left, leftovers = _grade_and_stop(tmp_path, "06", "provision", 1.0)
    _assert_unwound("provision", code, stderr, result, left, leftovers)


@pytest.mark.parametrize(
    ("phase", "after_s", "extra"),
    [
        ("services", 0.3, ()),
        ("checks", 3.0, ()),
        ("load", 4.0, ()),
        ("notebook", 1.0, ("--no-load",)),
    ],
    ids=["services", "checks", "load", "notebook"],
)
def test_sigterm_in_each_phase_leaves_nothing_on_a_shared_broker(
    tmp_path, broker, phase, after_s, extra
) -> None:
    admin = AdminClient({"bootstrap.servers": broker.bootstrap, "log_level": 3})
    topics_before = set(admin.list_topics(timeout=10).topics)
    code, stderr, result, left, leftovers = _grade_and_stop(
        tmp_path,
        "03",
        phase,
        after_s,
        "--infra",
        "external",
        *extra,
        LABGRADE_KAFKA_BOOTSTRAP=broker.bootstrap,
    )
    _assert_unwound(phase, code, stderr, result, left, leftovers)
    new_topics = set(admin.list_topics(timeout=10).topics) - topics_before
    assert new_topics == set(), f"topics left after SIGTERM in {phase}: {new_topics}"
    assert broker.is_healthy()


def test_sigterm_in_the_checks_of_a_kubernetes_lab_deletes_its_namespaces(
    tmp_path, control_plane
) -> None:
    core = CoreV1Api(control_plane.admin_client())
    before = {n.metadata.name for n in core.list_namespace().items}
    code, stderr, result, left, leftovers = _grade_and_stop(
        tmp_path,
        "06",
        "checks",
        4.0,
        "--infra",
        "external",
        "--no-load",
        LABGRADE_KUBECONFIG=str(control_plane.admin_kubeconfig),
    )
    _assert_unwound("checks", code, stderr, result, left, leftovers)
    remaining = [
        n.metadata.name
        for n in core.list_namespace().items
        if n.metadata.name not in before and n.metadata.deletion_timestamp is None
    ]
    assert remaining == [], f"namespaces left after SIGTERM: {remaining}"
