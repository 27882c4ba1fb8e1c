"""A stop request (SIGINT or SIGTERM) reaches every wait of the grader, in the main
thread and in a batch's threads; runs sharing a machine take turns for their load."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from grader import interrupt
from grader.interrupt import Interrupted
from grader.run.turns import MachineTurns


@pytest.fixture
def stoppable():
    with interrupt.stop_on_signals():
        yield


def _signal_soon(sig: int, after_s: float = 0.3) -> threading.Timer:
    timer = threading.Timer(after_s, os.kill, (os.getpid(), sig))
    timer.start()
    return timer


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_ends_a_wait_for_a_process_with_its_exit_code(stoppable, sig: int) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    _signal_soon(sig)
    began = time.monotonic()
    try:
        with pytest.raises(Interrupted) as stopped:
            interrupt.wait_process(sleeper, 30)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert time.monotonic() - began < 5
    assert stopped.value.signum == sig
    assert stopped.value.exit_code == 128 + sig
    assert stopped.value.signal_name == signal.Signals(sig).name


def test_a_signal_reaches_a_thread_that_sleeps(stoppable) -> None:
    caught: list[BaseException] = []

    def worker() -> None:
        try:
            interrupt.sleep(30)
        except Interrupted as exc:
            caught.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    _signal_soon(signal.SIGTERM)
    thread.join(timeout=5)
    assert not thread.is_alive() and len(caught) == 1


def test_a_second_signal_does_not_cut_the_clean_up_short(stoppable, capsys) -> None:
    os.kill(os.getpid(), signal.SIGTERM)
    os.kill(os.getpid(), signal.SIGINT)  # ignored: the first stop is already unwinding
    time.sleep(0.1)
    stop = interrupt.requested()
    assert stop is not None and stop.signum == signal.SIGTERM
    assert "still cleaning up" in capsys.readouterr().err


def test_without_a_stop_waits_run_their_course() -> None:
    quick = subprocess.Popen([sys.executable, "-c", "pass"])
    assert interrupt.wait_process(quick, 30) is True
    slow = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert interrupt.wait_process(slow, 0.3) is False
    finally:
        slow.kill()
        slow.wait()
    interrupt.check()  # nothing asked for a stop: no exception
    assert interrupt.requested() is None


def test_the_handlers_are_restored_on_leaving() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with interrupt.stop_on_signals():
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before


# -- taking turns -----------------------------------------------------------------


def _spans(turns: MachineTurns, plan: list[tuple[str, float, float]]) -> dict[str, tuple]:
    """Run each (name, start delay, duration) in its own thread, `name` starting with
    "load" for an exclusive turn; return when each held its turn."""
    spans: dict[str, tuple[float, float]] = {}
    began = time.monotonic()

    def run(name: str, delay: float, duration: float) -> None:
        time.sleep(delay)
        turn = turns.exclusive() if name.startswith("load") else turns.shared()
        with turn:
            start = time.monotonic() - began
            time.sleep(duration)
            spans[name] = (start, time.monotonic() - began)

    threads = [threading.Thread(target=run, args=step) for step in plan]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    return spans


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] - 0.01 and b[0] < a[1] - 0.01


def test_ordinary_phases_overlap_but_a_load_runs_alone() -> None:
    spans = _spans(
        MachineTurns(),
        [
            ("checks-a", 0.0, 0.9),
            ("checks-b", 0.05, 0.9),
            ("load-a", 0.2, 0.3),  # waits for both checks to finish
            ("notebook-b", 0.45, 0.3),  # arrives after the waiting load: goes after it
        ],
    )
    assert _overlap(spans["checks-a"], spans["checks-b"])
    for other in ("checks-a", "checks-b", "notebook-b"):
        assert not _overlap(spans["load-a"], spans[other]), other
    assert spans["notebook-b"][0] >= spans["load-a"][1] - 0.01


def test_two_loads_never_overlap() -> None:
    spans = _spans(MachineTurns(), [("load-a", 0.0, 0.3), ("load-b", 0.05, 0.3)])
    assert not _overlap(spans["load-a"], spans["load-b"])


def test_a_stop_ends_a_wait_for_a_turn(stoppable) -> None:
    turns = MachineTurns()
    caught: list[BaseException] = []

    def wait_for_load() -> None:
        try:
            with turns.exclusive():
                pass
        except Interrupted as exc:
            caught.append(exc)

    with turns.shared():
        waiter = threading.Thread(target=wait_for_load)
        waiter.start()
        _signal_soon(signal.SIGTERM, 0.2)
        waiter.join(timeout=5)
    assert not waiter.is_alive() and len(caught) == 1
    with turns.exclusive():  # nothing was left held by the abandoned wait
        pass
