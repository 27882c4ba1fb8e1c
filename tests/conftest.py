"""Shared paths for the grader's own tests, and a machine state of their own."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import psutil
import pytest

REPO = Path(__file__).resolve().parents[1]
TEST_LABS = REPO / "tests" / "labs"
COUNTER_LAB = TEST_LABS / "00-counter"

_ISOLATED_ENV = ("XDG_CACHE_HOME", "XDG_STATE_HOME", "LABGRADE_KUBERNETES_BIN")
_MACHINE_STATE = pytest.StashKey[tuple[Path, dict[str, str | None]]]()


def pytest_configure(config: pytest.Config) -> None:
    """The whole session, and every `labgrade` it starts, gets its own cache and state
    folders: no test reads or writes a developer's ~/.cache/labgrade, and no check run
    attaches to the `labgrade infra up` they may have running.  The Kubernetes
    control plane's binaries (minutes to build) are the one thing shared, read-only."""
    from grader.infra.kubernetes import BINARIES_ENV, binaries_dir

    saved = {name: os.environ.get(name) for name in _ISOLATED_ENV}
    binaries = binaries_dir()
    root = Path(tempfile.mkdtemp(prefix="labgrade-tests-"))
    config.stash[_MACHINE_STATE] = (root, saved)
    os.environ["XDG_CACHE_HOME"] = str(root / "cache")
    os.environ["XDG_STATE_HOME"] = str(root / "state")
    if binaries.is_dir():
        os.environ[BINARIES_ENV] = str(binaries)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _MACHINE_STATE not in config.stash:
        return
    root, saved = config.stash[_MACHINE_STATE]
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def control_plane():
    """A Kubernetes control plane of the module's own, stopped after its last test."""
    from grader.infra.kubernetes import KubernetesControlPlane

    plane = KubernetesControlPlane()
    plane.start()
    try:
        plane.wait_until_ready(timeout_s=60)
        yield plane
    finally:
        plane.stop()


@pytest.fixture
def counter_lab_path() -> Path:
    return COUNTER_LAB


@pytest.fixture
def test_labs_root(monkeypatch) -> Path:
    """Point lab discovery at tests/labs (it reads LABGRADE_LABS on every call)."""
    monkeypatch.setenv("LABGRADE_LABS", str(TEST_LABS))
    return TEST_LABS


REPORTER_TWIN = REPO / "tests" / "github" / "grading_reporter_twin.js"


@dataclass(frozen=True)
class ReporterRun:
    points: str | None
    """What follows "Points " in the reporter's notice, e.g. "62.5/100"."""
    exit_code: int
    output: str


@pytest.fixture(scope="session")
def classroom_reporter() -> Callable[[Path | str | None], ReporterRun]:
    """Feed a step output through GitHub Classroom's reporter: a `classroom-result.b64`,
    the value itself, or None for a step that wrote no output at all.

    The twin in tests/github/ by default; the real action's bundled `dist/index.js`
    when LABGRADE_CLASSROOM_REPORTER names one.
    """
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install Node.js (.ci/run does): the reporter is untested")
        pytest.skip("Node.js is not installed (.ci/run installs Debian's nodejs)")
    script = os.environ.get("LABGRADE_CLASSROOM_REPORTER") or str(REPORTER_TWIN)

    def run(output: Path | str | None) -> ReporterRun:
        env = {"PATH": os.environ.get("PATH", ""), "INPUT_RUNNERS": "labgrade"}
        if isinstance(output, Path):
            output = output.read_text(encoding="ascii")
        if output is not None:
            env["LABGRADE_RESULTS"] = output.strip()
        done = subprocess.run(
            [node, script], env=env, capture_output=True, text=True, timeout=60, check=False
        )
        found = re.search(r"Points (\S+/\S+)", done.stdout)
        return ReporterRun(found.group(1) if found else None, done.returncode, done.stdout)

    return run


# -- a real browser ---------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=5000",
]
CHROMIUM_TIMEOUT_S = 60


def _run_chromium(*args: str) -> subprocess.CompletedProcess[str]:
    """Run Chromium once with a fresh profile; it and its helpers never outlive the call.

    Chromium forks zygote, renderer and GPU processes, so a timeout kills the whole
    process group (a session of its own), and the profile is removed afterwards.
    """
    assert CHROMIUM is not None
    profile = tempfile.mkdtemp(prefix="labgrade-chromium-")
    command = [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=CHROMIUM_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"chromium did not finish in {CHROMIUM_TIMEOUT_S} s: {' '.join(args)}")
    finally:
        with suppress(ProcessLookupError):  # helpers that outlived the browser
            os.killpg(proc.pid, signal.SIGKILL)
        shutil.rmtree(profile, ignore_errors=True)
    lingering = [
        p.pid
        for p in psutil.process_iter(["cmdline"])
        if profile in " ".join(p.info["cmdline"] or [])
    ]
    assert lingering == [], f"chromium processes outlived the test: {lingering}"
    assert not Path(profile).exists()
    assert proc.returncode == 0, stderr[-3000:]
    return subprocess.CompletedProcess(command, proc.returncode, stdout, stderr)


class _RootAttributes(HTMLParser):
    def __init__(self, dom: str) -> None:
        super().__init__()
        self.attributes: dict[str, str | None] = {}
        self.feed(dom)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.attributes = dict(attrs)


def _load_page(page: Path) -> tuple[dict[str, str | None], list[str]]:
    """The page's probe (attributes of <html>) and every console line from the page.

    Chromium logs console messages, uncaught exceptions and policy violations as
    `INFO:CONSOLE...] "message", source: file:///...`; its dbus and GPU warnings
    are about the machine, not the page, and are ignored.
    """
    run = _run_chromium("--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri())
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    return _RootAttributes(run.stdout).attributes, console


def _need_chromium() -> None:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install Chromium (.ci/run does): pages are untested")
        pytest.skip("no chromium binary on PATH (apt-get install chromium; CI does)")


@pytest.fixture(scope="session")
def chromium() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Debian's headless Chromium with the given arguments, one fresh profile a call."""
    _need_chromium()
    return _run_chromium


@pytest.fixture(scope="session")
def load_in_browser() -> Callable[[Path], tuple[dict[str, str | None], list[str]]]:
    """Open a page from disk: (its probe, the attributes of <html>; its console lines)."""
    _need_chromium()
    return _load_page
