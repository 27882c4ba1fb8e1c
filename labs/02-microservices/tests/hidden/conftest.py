"""Fixtures shared by the hidden checks of lab 02."""

from __future__ import annotations

import pytest
from mesh_oracle import gateway, heal


@pytest.fixture
def healed(services, faults):
    """A healthy starting line: no faults, breakers closed, call counters at zero."""
    heal(services, faults)
    yield
    for name in ("features", "model", "monitoring"):
        faults.clear(name)


@pytest.fixture
def http(services):
    with gateway(services) as client:
        yield client
