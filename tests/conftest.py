"""Shared paths for the grader's own tests, and a machine state of their own."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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
def classroom_reporter() -> Callable[[Path], ReporterRun]:
    """Feed a `classroom-result.b64` through GitHub Classroom's reporter.

    The twin in tests/github/ by default; the real action's bundled `dist/index.js`
    when LABGRADE_CLASSROOM_REPORTER names one.
    """
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.skip("Node.js is not installed (.ci/run installs Debian's nodejs)")
    script = os.environ.get("LABGRADE_CLASSROOM_REPORTER") or str(REPORTER_TWIN)

    def run(encoded_file: Path) -> ReporterRun:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "INPUT_RUNNERS": "labgrade",
            "LABGRADE_RESULTS": encoded_file.read_text(encoding="ascii").strip(),
        }
        done = subprocess.run(
            [node, script], env=env, capture_output=True, text=True, timeout=60, check=False
        )
        found = re.search(r"Points (\S+/\S+)", done.stdout)
        return ReporterRun(found.group(1) if found else None, done.returncode, done.stdout)

    return run
