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


def validate_spec(spec: Any) -> list[dict[str, Any]]:
    """Check a spec and return it normalised (every key present); raise SpecError otherwise."""
    out = []
    for feature in spec:
        if feature.get("agg") not in AGGREGATIONS:
            raise SpecError(f"unknown aggregation {feature.get('agg')!r}")
        out.append(
            {
                "name": feature["name"],
                "agg": feature["agg"],
                "window_s": float(feature["window_s"]),
                "column": feature.get("column"),
                "default": float(feature.get("default", 0.0)),
                "transform": feature.get("transform"),
            }
        )
    return out


def feature_names(spec: list[dict[str, Any]] | None = None) -> list[str]:
    return [f["name"] for f in (spec or ETA_FEATURES)]
