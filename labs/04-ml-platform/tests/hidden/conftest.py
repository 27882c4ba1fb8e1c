"""Session fixtures shared by the hidden checks: model versions made on the trusted side."""

from __future__ import annotations

from pathlib import Path

import pytest
from eta_oracle import MODEL, register_variant


@pytest.fixture(scope="session")
def versions(mlflow) -> dict[str, str]:
    """original: the champion the system deployed; same: a copy (equally good);
    shifted: +1.5 min on every prediction (worse than the champion, above the quality
    floor); broken: +10 min (below the quality floor)."""
    original = mlflow.champion_version(MODEL)
    made = {"original": original}
    for label, shift in (("same", 0.0), ("shifted", 1.5), ("broken", 10.0)):
        made[label] = register_variant(mlflow, shift)
    assert mlflow.champion_version(MODEL) == original
    return made


@pytest.fixture(scope="session")
def feature_db(services) -> str:
    return str(Path(services.state_dir) / "features.db")
