"""Shared paths for the grader's own tests."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TEST_LABS = REPO / "tests" / "labs"
COUNTER_LAB = TEST_LABS / "00-counter"


@pytest.fixture
def counter_lab_path() -> Path:
    return COUNTER_LAB


@pytest.fixture
def test_labs_root(monkeypatch) -> Path:
    """Point lab discovery at tests/labs (it reads LABGRADE_LABS on every call)."""
    monkeypatch.setenv("LABGRADE_LABS", str(TEST_LABS))
    return TEST_LABS
