"""The declarative feature spec: what a team writes to define features on the platform.

A feature is an aggregation of one restaurant's order events over a sliding window
that ends at the moment the feature is asked for (`at`):

    the events e of the restaurant with   at - window_s < e.event_time <= at

    count  how many such events
    sum    the sum of `column` over them
    mean   the mean of `column` over them, or `default` when there are none

and an optional `transform` applied last ("log1p": log(1 + x)).  Nothing else.
"""

from __future__ import annotations

from typing import Any

AGGREGATIONS = ("count", "sum", "mean")
TRANSFORMS = (None, "log1p")
COLUMNS = ("prep_s", "items")
"""The numeric columns of an order event."""


class SpecError(ValueError):
    """A feature spec the platform cannot compute; the message names the feature and field."""


ETA_FEATURES: list[dict[str, Any]] = [
    {"name": "orders_30m", "agg": "count", "window_s": 1800},
    {
        "name": "mean_prep_60m",
        "agg": "mean",
        "column": "prep_s",
        "window_s": 3600,
        "default": 600.0,
    },
    {"name": "log_orders_24h", "agg": "count", "window_s": 86400, "transform": "log1p"},
    {"name": "items_2h", "agg": "sum", "column": "items", "window_s": 7200},
]
"""The ETA model's features, validated by the data-science team.  This is the contract."""

KEYS = {"name", "agg", "window_s", "column", "default", "transform"}


def validate_spec(spec: Any) -> list[dict[str, Any]]:
    """Check a spec and return it normalised (every key present); raise SpecError otherwise."""
    if not isinstance(spec, list) or not spec:
        raise SpecError("a feature spec is a non-empty list of feature definitions")
    seen: set[str] = set()
    out = []
    for i, feature in enumerate(spec):
        if not isinstance(feature, dict):
            raise SpecError(f"feature #{i} is not a mapping: {feature!r}")
        name = feature.get("name")
        if not isinstance(name, str) or not name.isidentifier():
            raise SpecError(f"feature #{i}: 'name' must be an identifier, got {name!r}")
        where = f"feature '{name}'"
        if name in seen:
            raise SpecError(f"{where}: the name is used twice")
        seen.add(name)
        unknown = set(feature) - KEYS
        if unknown:
            raise SpecError(f"{where}: unknown key(s) {sorted(unknown)} (known: {sorted(KEYS)})")
        agg = feature.get("agg")
        if agg not in AGGREGATIONS:
            raise SpecError(f"{where}: 'agg' must be one of {AGGREGATIONS}, got {agg!r}")
        window = feature.get("window_s")
        if isinstance(window, bool) or not isinstance(window, int | float) or window <= 0:
            raise SpecError(f"{where}: 'window_s' must be a positive number, got {window!r}")
        column = feature.get("column")
        if agg == "count" and column is not None:
            raise SpecError(f"{where}: a count takes no 'column'")
        if agg != "count" and column not in COLUMNS:
            raise SpecError(f"{where}: '{agg}' needs 'column', one of {COLUMNS}, got {column!r}")
        default = feature.get("default", 0.0)
        if isinstance(default, bool) or not isinstance(default, int | float):
            raise SpecError(f"{where}: 'default' must be a number, got {default!r}")
        transform = feature.get("transform")
        if transform not in TRANSFORMS:
            raise SpecError(f"{where}: 'transform' must be one of {TRANSFORMS}, got {transform!r}")
        out.append(
            {
                "name": name,
                "agg": agg,
                "window_s": float(window),
                "column": column,
                "default": float(default),
                "transform": transform,
            }
        )
    return out


def feature_names(spec: list[dict[str, Any]] | None = None) -> list[str]:
    return [f["name"] for f in (spec or ETA_FEATURES)]
