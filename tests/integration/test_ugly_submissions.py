"""Grade every variant of the test lab once, then check each score and that the
feedback tells the student the cause in words, and that the run left nothing behind
(processes, temporary folders, listening ports).

Other sessions may grade labs (and run brokers) on this machine at the same time, so
the clean-up checks look only at what this run started: its workspaces, its brokers,
its student processes and its ports, recorded by wrapping the grader's own seams.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

import grader.grade
import grader.selftest
from grader.infra.kafka import KafkaBroker
from grader.infra.ports import is_listening
from grader.lab.discovery import load_lab
from grader.run import sandbox
from grader.selftest import VariantOutcome, selftest

pytestmark = pytest.mark.slow

COUNTER_LAB = Path(__file__).resolve().parents[1] / "labs" / "00-counter"
LOG_CAP = 64 * 1024 * 1024

EXPECTED_RANGE = {
    "good": (1.0, 1.0),
    "syntax-error": (0.0, 0.0),
    "never-ready": (0.0, 0.0),
    "hangs": (12 / 14 - 0.01, 12 / 14 + 0.01),
    "exits-mid-test": (10 / 14 - 0.01, 10 / 14 + 0.01),
    "floods": (12 / 14 - 0.01, 12 / 14 + 0.01),
    "snoops": (1.0, 1.0),
}


@dataclass
class Run:
    out: Path
    outcomes: dict[str, VariantOutcome] = field(default_factory=dict)
    workspaces: list[Path] = field(default_factory=list)
    scratch: set[Path] = field(default_factory=set)
    brokers: list[tuple[int, int, Path]] = field(default_factory=list)  # pid, port, data dir
    student_pids: list[int] = field(default_factory=list)
    service_ports: list[int] = field(default_factory=list)
    noida_before: set[int] = field(default_factory=set)

    def folder(self, variant: str) -> Path:
        """Where the self-test (a batch) keeps a variant's reports."""
        return self.out / "00-counter" / "students" / variant

    def result(self, variant: str) -> dict:
        return json.loads((self.folder(variant) / "result.json").read_text())

    def feedback(self, variant: str) -> str:
        return (self.folder(variant) / "feedback.md").read_text()

    def service(self, variant: str, name: str = "counter") -> dict:
        (found,) = [s for s in self.result(variant)["services"] if s["name"] == name]
        return found


def noida_pids() -> set[int]:
    pids = set()
    for proc in psutil.process_iter(["pid", "cmdline"]):
        if any("noida-db" in part for part in proc.info["cmdline"] or []):
            pids.add(proc.info["pid"])
    return pids


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Run:
    record = Run(out=tmp_path_factory.mktemp("selftest"))
    record.noida_before = noida_pids()

    real_build = grader.grade.build_workspace
    real_spawn = sandbox.spawn
    real_start = KafkaBroker.start
    real_materialize = grader.selftest.materialize
    real_services = grader.grade.StudentServices

    def build_workspace(*args, **kwargs):
        workspace = real_build(*args, **kwargs)
        record.workspaces.append(workspace.root)
        return workspace

    def spawn(*args, **kwargs):
        proc = real_spawn(*args, **kwargs)
        record.student_pids.append(proc.pid)
        return proc

    def start(self):
        real_start(self)
        record.brokers.append((self.pid, self.port, self.data_dir))

    def materialize(lab, variant, into):
        record.scratch.add(into.parent)
        return real_materialize(lab, variant, into)

    class StudentServices(real_services):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            record.service_ports.extend(int(u.rsplit(":", 1)[1]) for u in self.urls().values())

    def on_result(outcome: VariantOutcome) -> None:
        record.outcomes[outcome.variant.name] = outcome

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(grader.grade, "build_workspace", build_workspace)
        mp.setattr(grader.grade, "StudentServices", StudentServices)
        mp.setattr(sandbox, "spawn", spawn)
        mp.setattr(KafkaBroker, "start", start)
        mp.setattr(grader.selftest, "materialize", materialize)
        selftest([load_lab(COUNTER_LAB)], record.out, on_result=on_result)
    return record


def assert_in_range(run: Run, variant: str) -> None:
    outcome = run.outcomes[variant]
    low, high = EXPECTED_RANGE[variant]
    assert outcome.result.status == "graded", outcome.result.error
    assert outcome.fraction is not None
    assert low - 1e-9 <= outcome.fraction <= high + 1e-9, (
        f"{variant}: {outcome.result.score}/{outcome.result.max_score}"
    )
    assert outcome.ok, f"{variant} is outside the range its expect.toml gives"


def test_every_variant_was_graded(run):
    assert set(run.outcomes) == set(EXPECTED_RANGE)
    for variant in EXPECTED_RANGE:
        assert (run.folder(variant) / "result.json").is_file()
        assert (run.folder(variant) / "feedback.md").is_file()


def test_good(run):
    assert_in_range(run, "good")
    result = run.result("good")
    assert result["problems"] == []
    assert all(t["outcome"] == "passed" for c in result["checks"] for t in c["tests"])


def test_syntax_error(run):
    assert_in_range(run, "syntax-error")
    result = run.result("syntax-error")
    assert any("exited with code 1 before it was ready" in p for p in result["problems"])
    assert "SyntaxError" in run.service("syntax-error")["excerpt"]
    feedback = run.feedback("syntax-error")
    assert "exited with code 1 before it was ready" in feedback
    assert "SyntaxError" in feedback


def test_never_ready(run):
    assert_in_range(run, "never-ready")
    result = run.result("never-ready")
    assert any("did not become ready within 5 s" in p for p in result["problems"])
    assert "did not become ready within" in run.feedback("never-ready")
    assert "warming up forever" in run.service("never-ready")["excerpt"]


def test_hangs(run):
    assert_in_range(run, "hangs")
    tests = {
        t["name"].rsplit("::", 1)[1]: t for c in run.result("hangs")["checks"] for t in c["tests"]
    }
    assert tests["test_add_thirteen"]["outcome"] == "timeout"
    others = {name: t["outcome"] for name, t in tests.items() if name != "test_add_thirteen"}
    assert others and set(others.values()) == {"passed"}, others
    assert "timed out" in run.feedback("hangs")


def test_exits_mid_test(run):
    assert_in_range(run, "exits-mid-test")
    assert "exited with code 3 on its own" in run.service("exits-mid-test")["exit_note"]
    assert "exited with code 3 on its own" in run.feedback("exits-mid-test")


def test_floods_output_is_capped(run):
    assert_in_range(run, "floods")
    log = run.folder("floods") / "logs" / "counter.log"
    assert log.is_file()
    assert log.stat().st_size <= LOG_CAP + 1024 * 1024
    assert len(run.service("floods")["excerpt"]) < 5000
    assert len(run.result("floods")["services"][0]["excerpt"]) < 5000
    assert (run.folder("floods") / "result.json").stat().st_size < 100_000


def test_floods_feedback_names_the_output_cap(run):
    assert "64 MB" in run.feedback("floods")


# -- nothing left behind -----------------------------------------------------------


def test_snooping_finds_no_hidden_test_and_forges_no_result(run):
    if sandbox.bubblewrap() is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install bubblewrap (.ci/run does): the sandbox is untested")
        pytest.skip("bubblewrap is not installed: filesystem isolation is off on this machine")
    log = (run.folder("snoops") / "logs" / "counter.log").read_text()
    hidden_line = "an accepted add was not counted exactly once"
    assert hidden_line in (COUNTER_LAB / "tests" / "hidden" / "test_counting.py").read_text()
    assert "SNOOPED" not in log and hidden_line not in log, "student code read a hidden test"
    assert "forged" not in json.dumps(run.result("snoops")), "student code wrote a result"
    assert run.result("snoops")["score"] == run.result("snoops")["max_score"]


def test_workspaces_and_scratch_are_removed(run):
    assert len(run.workspaces) == len(EXPECTED_RANGE)
    for root in run.workspaces:
        assert root.name.startswith("labgrade-00-")
        assert not root.exists(), f"workspace {root} was left behind"
    assert run.scratch
    for folder in run.scratch:
        assert not folder.exists(), f"selftest scratch {folder} was left behind"


def test_brokers_are_stopped_and_removed(run):
    assert len(run.brokers) == 1, "the self-test grades its variants as a class on one broker"
    for pid, port, data_dir in run.brokers:
        assert not alive(pid), f"broker {pid} is still running"
        assert not is_listening(port), f"broker port {port} is still listening"
        assert not data_dir.exists(), f"broker data {data_dir} was left behind"
    leaked = [
        pid
        for pid in noida_pids() - run.noida_before
        if alive(pid)
        and any(str(d) in " ".join(psutil.Process(pid).cmdline()) for _, _, d in run.brokers)
    ]
    assert leaked == []


def test_student_processes_are_gone(run):
    assert run.student_pids
    assert [pid for pid in run.student_pids if alive(pid)] == []
    roots = [str(root) for root in run.workspaces]
    left = []
    for proc in psutil.process_iter(["pid", "cmdline", "cwd"]):
        text = " ".join([*(proc.info["cmdline"] or []), proc.info["cwd"] or ""])
        if any(root in text for root in roots):
            left.append((proc.info["pid"], text[:200]))
    assert left == []


def test_no_port_is_left_listening(run):
    assert run.service_ports
    still = [port for port in run.service_ports if is_listening(port)]
    assert still == [], f"service ports still listening: {still}"
    listening = [
        (child.pid, conn.laddr)
        for child in psutil.Process().children(recursive=True)
        for conn in child.net_connections(kind="inet")
        if conn.status == psutil.CONN_LISTEN
    ]
    assert listening == []
