"""Fault injection end to end on tests/labs/99-relay: a support service carries the
grader's switches; a check group holds a declared fault for its tests; tests flip
switches through the `faults` fixture; a load run flips them at given seconds."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.lab.discovery import load_lab
from grader.selftest import selftest

RELAY_LAB = Path(__file__).resolve().parents[1] / "labs" / "99-relay"


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    found = selftest([load_lab(RELAY_LAB)], tmp_path_factory.mktemp("relay"), lambda _: None)
    return {o.variant.name: o for o in found}


@pytest.mark.slow
def test_variants_land_in_their_ranges(outcomes):
    assert set(outcomes) == {"good", "no-timeout"}
    assert all(o.ok for o in outcomes.values()), {n: o.result.score for n, o in outcomes.items()}


@pytest.mark.slow
def test_a_declared_check_fault_holds_for_its_group_only(outcomes):
    checks = {c.name: c for c in outcomes["no-timeout"].result.checks}
    (slow,) = checks["slow-upstream"].tests
    assert slow.outcome == "failed" and "put a timeout on it" in slow.message
    # The group after it ran with the latency cleared again.
    assert checks["outage"].points == checks["outage"].max_points


@pytest.mark.slow
def test_the_load_run_flips_switches_at_their_seconds(outcomes):
    (good,) = outcomes["good"].result.loads
    assert "latency upstream: done" in good.message and "clear upstream: done" in good.message
    assert good.figures["degraded_answers"] > 0, (
        "the slow phase must have produced degraded answers"
    )
    (bad,) = outcomes["no-timeout"].result.loads
    assert bad.points == 0 and bad.stats.p95_ms >= 1900
