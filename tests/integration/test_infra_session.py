"""`labgrade infra up|down`: a daemon keeps a broker running between runs; `check`
reuses it, `grade` never does, and `down` leaves nothing behind."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import psutil
import pytest

from grader.infra import session
from grader.infra.ports import is_listening
from grader.infra.provider import open_infrastructure


def port_of(bootstrap: str) -> int:
    return int(bootstrap.rsplit(":", 1)[1])


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.fixture
def state_home(tmp_path, monkeypatch):
    # session.up spawns the daemon with this process's environment: it inherits this.
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert session.state_file() == tmp_path / "labgrade" / "infra.json"
    assert session.current() is None
    return tmp_path


def test_session_up_attach_and_down(state_home):
    started = None
    try:
        started = session.up(["kafka"])
        bootstrap = started.services["kafka"]["KAFKA_BOOTSTRAP_SERVERS"]
        assert is_listening(port_of(bootstrap))
        assert alive(started.pid)
        assert session.state_file().is_file()

        found = session.current()
        assert found is not None
        assert found.pid == started.pid and found.services == started.services
        assert session.up(["kafka"]).pid == started.pid, "a second `up` must reuse the session"

        with open_infrastructure("local", ["kafka"], "check") as infra:
            assert infra.services["kafka"].bootstrap == bootstrap
            assert infra.environment("lgx")["KAFKA_BOOTSTRAP_SERVERS"] == bootstrap
        assert is_listening(port_of(bootstrap)), "leaving a `check` must not stop the session"

        with open_infrastructure("local", ["kafka"], "grade") as infra:
            fresh = infra.services["kafka"].bootstrap
            assert fresh != bootstrap, "`grade` must start its own broker"
            assert is_listening(port_of(fresh))
        assert not is_listening(port_of(fresh))
        assert is_listening(port_of(bootstrap))

        began = time.monotonic()
        assert session.down() is True
        assert time.monotonic() - began < 10, "the daemon did not stop promptly on SIGTERM"
        deadline = time.monotonic() + 5
        while is_listening(port_of(bootstrap)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not is_listening(port_of(bootstrap)), "the session's broker still listens"
        assert not alive(started.pid), "the daemon is still running"
        assert not session.state_file().exists()
        assert session.current() is None
        assert session.down() is False
    finally:
        session.down()
        if started is not None and alive(started.pid):
            psutil.Process(started.pid).kill()


def test_check_without_a_session_provisions_its_own(state_home):
    with open_infrastructure("local", ["kafka"], "check") as infra:
        bootstrap = infra.services["kafka"].bootstrap
        assert is_listening(port_of(bootstrap))
    assert not is_listening(port_of(bootstrap))
    assert not session.state_file().exists()


def test_a_session_with_mlflow_serves_check_runs_by_url(state_home):
    """A session's tracking server is reached by URL, and runs get their own names."""
    started = None
    try:
        started = session.up(["kafka", "mlflow"])
        uri = started.services["mlflow"]["MLFLOW_TRACKING_URI"]
        assert session.current() is not None, "a session with an HTTP service must count as alive"
        with open_infrastructure("local", ["mlflow"], "check") as infra:
            env = infra.environment("lgx")
            assert env["MLFLOW_TRACKING_URI"] == uri
            assert env["MLFLOW_NAME_PREFIX"] == "lgx-"
            assert infra.unhealthy() == []
        assert session.current() is not None, "leaving a `check` must not stop the session"
        assert session.down() is True
        assert session.current() is None
    finally:
        session.down()
        if started is not None and alive(started.pid):
            psutil.Process(started.pid).kill()


def test_a_session_with_kubernetes_serves_check_runs_by_kubeconfig(state_home):
    """A session's control plane is reached through its admin kubeconfig, tenant users
    included, and its liveness is its API server's port."""
    started = None
    try:
        started = session.up(["kubernetes"])
        cluster = started.services["kubernetes"]
        with open_infrastructure("local", ["kubernetes"], "check") as infra:
            env = infra.environment("lgx")
            assert env["KUBECONFIG"] == cluster["KUBECONFIG"]
            assert env["KUBE_TENANT_KUBECONFIGS"] == cluster["KUBE_TENANT_KUBECONFIGS"]
            assert env["KUBE_NAMESPACE_PREFIX"] == "lgx-"
            assert infra.client_files() == (cluster["KUBECONFIG"],)
            assert infra.unhealthy() == []
        assert session.current() is not None, "leaving a `check` must not stop the session"
        api_port = int(cluster["KUBE_API_SERVER"].rsplit(":", 1)[1])
        assert session.down() is True
        assert not is_listening(api_port), "the session's API server still listens"
    finally:
        session.down()
        if started is not None and alive(started.pid):
            psutil.Process(started.pid).kill()


def test_eval_of_infra_up_sets_the_variables_in_the_shell(state_home):
    """Variables on stdout, everything a person reads on stderr: `eval "$(labgrade
    infra up)"` works, and the check that follows attaches to what it started."""
    script = (
        f'eval "$({sys.executable} -m grader.cli infra up 03)" && '
        'echo "bootstrap=$KAFKA_BOOTSTRAP_SERVERS"; '
        f"{sys.executable} -m grader.cli infra down >/dev/null"
    )
    done = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("bootstrap=")]
    assert re.fullmatch(r"bootstrap=127\.0\.0\.1:\d+", line), done.stdout
    assert "infrastructure running" in done.stderr and "labgrade infra down" in done.stderr
    assert session.current() is None
