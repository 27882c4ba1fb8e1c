"""The feature spec, interpreted: one small evaluator that both paths call.

Written as a plain interpreter of the declarative spec (no vectorisation): for each
moment, find the window with two binary searches and aggregate the slice.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from typing import Any

from mlplat.spec import ETA_FEATURES, validate_spec

_ETA = validate_spec(ETA_FEATURES)


def _one(f: dict[str, Any], times: Sequence[float], columns: dict, at: float) -> float:
    lo = bisect.bisect_right(times, at - f["window_s"])
    hi = bisect.bisect_right(times, at)
    if f["agg"] == "count":
        value = float(hi - lo)
    else:
        values = columns[f["column"]][lo:hi]
        if f["agg"] == "sum":
            value = float(math.fsum(values))
        elif len(values) == 0:
            value = float(f["default"])
        else:
            value = math.fsum(values) / len(values)
    return math.log1p(value) if f["transform"] == "log1p" else value


def evaluate(times: Sequence[float], columns: dict, at: float, spec=None) -> dict[str, float]:
    """The features of one entity at one moment, by name."""
    return {f["name"]: _one(f, times, columns, at) for f in (spec or _ETA)}


def compute(times, columns, at, spec=None) -> list[list[float]]:
    """Rows of features for each moment of `at` (the offline store's batch interface)."""
    times = [float(t) for t in times]
    columns = {k: [float(v) for v in vs] for k, vs in columns.items()}
    return [list(evaluate(times, columns, float(t), spec).values()) for t in at]


def as_dict(row, spec=None) -> dict[str, float]:
    return {f["name"]: float(v) for f, v in zip(spec or _ETA, row, strict=True)}
