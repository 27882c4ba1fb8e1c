"""The outcome of one grading run, schema `labgrade.result/1`.

Every report (result.json, feedback.md, junit.xml, Gradescope, terminal table) is
rendered from this one structure, so they can never disagree about a score.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

SCHEMA = "labgrade.result/1"

Outcome = Literal["passed", "failed", "error", "skipped", "timeout", "not_run"]
Status = Literal["graded", "not_submitted", "infrastructure_error", "interrupted"]
"""`graded` and `not_submitted` (0 points: nothing to grade) carry a score; an
infrastructure error or an interrupted run never does: no zero that looks earned."""


@dataclass
class TestOutcome:
    name: str
    outcome: Outcome
    duration_s: float = 0.0
    message: str = ""

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"


@dataclass
class CheckResult:
    name: str
    title: str
    concept: str
    points: float
    max_points: float
    hidden: bool
    visibility: str
    tests: list[TestOutcome] = field(default_factory=list)
    message: str = ""


@dataclass
class LoadStats:
    requests: int = 0
    failures: int = 0
    rps: float = 0.0
    fail_ratio: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0


@dataclass
class EndpointStats(LoadStats):
    name: str = ""
    method: str = ""


@dataclass
class ThresholdResult:
    figure: str
    endpoint: str | None
    label: str
    value: float | None
    good: float
    bad: float
    fraction: float
    gate: bool
    weight: float
    reference: float | None = None
    """The reference solution's figure on this machine, when the bounds are relative to it."""
    counted: bool = True
    """False: not measured by a `labgrade check` smoke run, so left out of its points."""


@dataclass
class LoadResult:
    name: str
    title: str
    concept: str
    points: float
    max_points: float
    stats: LoadStats
    thresholds: list[ThresholdResult] = field(default_factory=list)
    endpoints: list[EndpointStats] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    message: str = ""


@dataclass
class ServiceLog:
    """What a student service printed, and how it ended, for the feedback."""

    name: str
    excerpt: str
    exit_note: str = ""


@dataclass
class GradingResult:
    lab: str
    title: str
    submission: str
    mode: Literal["grade", "check"]
    status: Status
    score: float | None
    max_score: float
    """What this run could award (a local check runs part of the lab)."""
    checks: list[CheckResult] = field(default_factory=list)
    loads: list[LoadResult] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    ignored_changes: list[str] = field(default_factory=list)
    services: list[ServiceLog] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """What went wrong with the submission's processes (would not start...): shown first."""
    notes: list[str] = field(default_factory=list)
    error: str = ""
    """Why there is no score (or, `not_submitted`, why it is 0)."""
    fix: str = ""
    """What to do about an error: a whole command, shown as it is."""
    lab_max_score: float = 0.0
    """The whole lab's points (0 in results written before it was recorded)."""
    started_at: str = ""
    schema: str = SCHEMA

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=False)

    def write(self, path: Path) -> None:
        path.write_text(self.to_json() + "\n", encoding="utf-8")

    @classmethod
    def from_dict(cls, data: dict) -> GradingResult:
        data = dict(data)
        data["checks"] = [
            CheckResult(**{**c, "tests": [TestOutcome(**t) for t in c["tests"]]})
            for c in data.get("checks", [])
        ]
        data["loads"] = [
            LoadResult(
                **{
                    **lo,
                    "stats": LoadStats(**lo["stats"]),
                    "thresholds": [ThresholdResult(**t) for t in lo["thresholds"]],
                    "endpoints": [EndpointStats(**e) for e in lo["endpoints"]],
                }
            )
            for lo in data.get("loads", [])
        ]
        data["services"] = [ServiceLog(**s) for s in data.get("services", [])]
        return cls(**data)

    @classmethod
    def read(cls, path: Path) -> GradingResult:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
