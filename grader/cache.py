"""Where labgrade keeps what is worth keeping between runs on one machine.

Calibrations of reference solutions and a migrated MLflow store live here
(XDG_CACHE_HOME, default ~/.cache/labgrade); deleting the folder is always safe.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "labgrade"
