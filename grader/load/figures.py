"""Figures a locustfile reports beyond Locust's own (wrong answers, drain time...).

Thresholds in lab.toml refer to them by name, exactly like `p95_ms`.
"""

from __future__ import annotations

_figures: dict[str, float] = {}


def report(name: str, value: float) -> None:
    _figures[name] = float(value)


def reported() -> dict[str, float]:
    return dict(_figures)
