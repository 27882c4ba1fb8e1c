"""The declarative feature spec, validated with pydantic models."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

AGGREGATIONS = ("count", "sum", "mean")
TRANSFORMS = (None, "log1p")
COLUMNS = ("prep_s", "items")


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


class FeatureDef(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    agg: Literal["count", "sum", "mean"]
    window_s: float = Field(gt=0)
    column: Literal["prep_s", "items"] | None = None
    default: float = 0.0
    transform: Literal["log1p"] | None = None

    @model_validator(mode="after")
    def _column_matches_agg(self) -> FeatureDef:
        if (self.agg == "count") != (self.column is None):
            raise ValueError("'column' is required for sum/mean and not allowed for count")
        return self


def validate_spec(spec: Any) -> list[dict[str, Any]]:
    if not isinstance(spec, list) or not spec:
        raise SpecError("a feature spec is a non-empty list of feature definitions")
    out: list[dict[str, Any]] = []
    for i, raw in enumerate(spec):
        label = raw.get("name", f"#{i}") if isinstance(raw, dict) else f"#{i}"
        try:
            if isinstance(raw, dict) and isinstance(raw.get("window_s"), int):
                raw = raw | {"window_s": float(raw["window_s"])}
            if isinstance(raw, dict) and isinstance(raw.get("default"), int):
                raw = raw | {"default": float(raw["default"])}
            feature = FeatureDef.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'definition'}: {e['msg']}" for e in exc.errors()
            )
            raise SpecError(f"feature '{label}' is invalid: {problems}") from None
        if any(f["name"] == feature.name for f in out):
            raise SpecError(f"feature '{feature.name}' is defined twice")
        out.append(feature.model_dump())
    return out


def feature_names(spec: list[dict[str, Any]] | None = None) -> list[str]:
    return [f["name"] for f in (spec or ETA_FEATURES)]
