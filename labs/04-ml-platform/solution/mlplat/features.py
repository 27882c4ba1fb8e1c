"""The one implementation of the feature spec, used by training (offline) and serving (online).

Both paths hand over one restaurant's events sorted by event time and the moments
they need features for; they differ only in where the events come from (the
offline store's SQL table, the online store's memory).  Training/serving skew
cannot creep in through a second copy of the arithmetic, because there is none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from mlplat.spec import COLUMNS, ETA_FEATURES, validate_spec

_ETA = validate_spec(ETA_FEATURES)


def compute(
    times: np.ndarray,
    columns: dict[str, np.ndarray],
    at: Sequence[float] | np.ndarray,
    spec: list[dict[str, Any]] | None = None,
) -> np.ndarray:
    """Features of one entity at each moment of `at`: an array of shape (len(at), n_features).

    `times` is sorted ascending; `columns[c]` is aligned with it.  A window holds the
    events with `at - window_s < event_time <= at`.
    """
    spec = _ETA if spec is None else spec
    times = np.asarray(times, dtype=float)
    at = np.asarray(at, dtype=float)
    prefix = {c: np.concatenate([[0.0], np.cumsum(np.asarray(columns[c], float))]) for c in COLUMNS}
    out = np.empty((len(at), len(spec)), dtype=float)
    hi = np.searchsorted(times, at, side="right")
    for j, f in enumerate(spec):
        lo = np.searchsorted(times, at - f["window_s"], side="right")
        count = (hi - lo).astype(float)
        if f["agg"] == "count":
            value = count
        else:
            total = prefix[f["column"]][hi] - prefix[f["column"]][lo]
            if f["agg"] == "sum":
                value = total
            else:
                value = np.divide(
                    total, count, out=np.full_like(total, f["default"]), where=count > 0
                )
        if f["transform"] == "log1p":
            value = np.log1p(value)
        out[:, j] = value
    return out


def as_dict(row: np.ndarray, spec: list[dict[str, Any]] | None = None) -> dict[str, float]:
    spec = _ETA if spec is None else spec
    return {f["name"]: float(v) for f, v in zip(spec, row, strict=True)}
