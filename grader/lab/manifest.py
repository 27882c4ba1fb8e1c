"""The lab manifest (`lab.toml`): typed, validated, and the only place a lab is described.

Nothing about a particular lab is hard-coded in the grader; everything it needs to
provision, start, check, load and score a lab is read from here.  Validation is strict
(unknown keys are errors) so that a typo in a manifest fails `labgrade lint` instead of
silently changing how students are graded.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

INFRA_SERVICES = ("kafka", "mlflow", "kubernetes")
LOAD_FIGURES = ("p50_ms", "p95_ms", "p99_ms", "rps", "fail_ratio", "requests")

PositiveSeconds = Annotated[float, Field(gt=0)]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$")]


class ManifestError(Exception):
    """A lab manifest that cannot be used; the message names file, key and expectation.

    `problems` lists every problem found, one line each (`labgrade lint` prints them
    all); the message is the first, with how many more there are.
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LabInfo(_Strict):
    id: Annotated[str, Field(pattern=r"^\d\d-[a-z0-9-]+$")]
    title: str
    lesson: Annotated[int, Field(ge=1)]
    time_limit_s: PositiveSeconds = 600
    infra: list[Literal["kafka", "mlflow", "kubernetes"]] = []
    submission_dir: str = "starter"
    reference_dir: str = "solution"
    """The reference submission: relative load thresholds are calibrated against it."""


class Readiness(_Strict):
    """How the grader knows a service is up: exactly one of an HTTP path, a log line or TCP."""

    http: str | None = None
    log: str | None = None
    tcp: bool = False
    timeout_s: PositiveSeconds = 30

    @model_validator(mode="after")
    def _exactly_one_probe(self) -> Readiness:
        probes = [self.http is not None, self.log is not None, self.tcp]
        if sum(probes) != 1:
            raise ValueError('give exactly one of http = "/path", log = "regex" or tcp = true')
        if self.log is not None:
            re.compile(self.log)
        return self


class ServiceSpec(_Strict):
    name: Name
    command: Annotated[list[str], Field(min_length=1)]
    env: dict[str, str] = {}
    ready: Readiness
    source: Literal["submission", "support"] = "submission"
    memory_mb: Annotated[int, Field(ge=64)] = 1024
    needs_port: bool = True


class SwitchFault(_Strict):
    """A support service's switches, flipped for a whole check group."""

    service: Name
    latency_ms: Annotated[float, Field(ge=0)] = 0
    error_rate: Annotated[float, Field(ge=0, le=1)] = 0
    error_status: Annotated[int, Field(ge=400, le=599)] = 503
    outage: bool = False


class CheckSpec(_Strict):
    name: Name
    title: str
    concept: str
    tests: Annotated[list[str], Field(min_length=1)]
    points: Annotated[float, Field(ge=0)]
    hidden: bool = True
    visibility: Literal["hidden", "after_due_date", "after_published", "visible"] | None = None
    test_timeout_s: PositiveSeconds = 60
    fault: list[SwitchFault] = []

    @property
    def gradescope_visibility(self) -> str:
        if self.visibility is not None:
            return self.visibility
        return "after_published" if self.hidden else "visible"


class RelativeBounds(_Strict):
    """Bounds as multiples of the reference solution's figure on the same machine.

    Where a calibration exists (`labgrade calibrate`, cached per machine), these
    replace the absolute `good`/`bad`, so a slow runner is not a failing student.
    """

    good: Annotated[float, Field(gt=0)]
    bad: Annotated[float, Field(gt=0)]

    @model_validator(mode="after")
    def _distinct(self) -> RelativeBounds:
        if self.good == self.bad:
            raise ValueError("good and bad must differ")
        return self


class Threshold(_Strict):
    """A load figure scored on a linear curve: full credit at `good`, none at `bad`.

    `good` may be above or below `bad` (latency: lower is better; rps: higher is
    better).  A `gate` threshold that is not fully met zeroes the whole load check:
    a wrong answer is not made up for by a fast one.
    """

    figure: str
    endpoint: str | None = None
    good: float
    bad: float
    weight: Annotated[float, Field(gt=0)] = 1.0
    gate: bool = False
    label: str | None = None
    relative: RelativeBounds | None = None

    @model_validator(mode="after")
    def _distinct_bounds(self) -> Threshold:
        if self.good == self.bad:
            raise ValueError("good and bad must differ (they are the two ends of the curve)")
        if self.relative is not None and (self.relative.good < self.relative.bad) != (
            self.good < self.bad
        ):
            raise ValueError("relative bounds must run the same way as good and bad")
        return self

    @property
    def key(self) -> str:
        """How calibration names this threshold's figure."""
        return f"{self.figure}@{self.endpoint}" if self.endpoint else self.figure


PROCESS_ACTIONS = ("kill", "stop", "start", "restart", "kill-restart")
SWITCH_ACTIONS = ("latency", "errors", "outage", "clear")


class Fault(_Strict):
    """Injected at `at_s` seconds into a load run's measured part.

    Process actions act on any service; switch actions (latency, errors, outage,
    clear) flip a support service's switches and replace its previous fault.
    """

    at_s: Annotated[float, Field(ge=0)]
    service: Name
    action: Literal["kill", "stop", "start", "restart", "kill-restart", *SWITCH_ACTIONS]
    latency_ms: Annotated[float, Field(ge=0)] = 0
    error_rate: Annotated[float, Field(ge=0, le=1)] = 0
    error_status: Annotated[int, Field(ge=400, le=599)] = 503

    @model_validator(mode="after")
    def _has_its_parameter(self) -> Fault:
        if self.action == "latency" and self.latency_ms <= 0:
            raise ValueError('action "latency" needs latency_ms > 0')
        if self.action == "errors" and self.error_rate <= 0:
            raise ValueError('action "errors" needs error_rate in (0, 1]')
        return self


class LoadSpec(_Strict):
    name: Name
    title: str
    concept: str
    locustfile: str
    users: Annotated[int, Field(ge=1, le=200)]
    spawn_rate: Annotated[float, Field(gt=0)]
    warmup_s: Annotated[float, Field(ge=0)] = 3
    duration_s: PositiveSeconds
    smoke_duration_s: PositiveSeconds = 5
    points: Annotated[float, Field(ge=0)]
    threshold: Annotated[list[Threshold], Field(min_length=1)]
    fault: list[Fault] = []


class NotebookSpec(_Strict):
    """The lab's nbgrader analysis notebook, graded as one more hidden check group.

    Its source (solutions, hidden tests, data files) lives in `tests/hidden/notebook/`,
    so it travels with the hidden tests; students get the released copy in their code
    folder's `notebook/`.  `points` must equal the sum of the source's graded cells.
    """

    title: str
    concept: str
    points: Annotated[float, Field(gt=0)]
    file: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+\.ipynb$")] = "analysis.ipynb"
    timeout_s: PositiveSeconds = 60
    """The whole notebook's run, kernel start included."""

    name: ClassVar[str] = "notebook"
    source_dir: ClassVar[str] = "tests/hidden/notebook"
    submission_folder: ClassVar[str] = "notebook"
    """Inside the submission's code folder (`starter/notebook/` in a student repository)."""


class Manifest(_Strict):
    lab: LabInfo
    service: list[ServiceSpec] = []
    check: list[CheckSpec] = []
    load: list[LoadSpec] = []
    notebook: NotebookSpec | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Manifest:
        for kind, items in (("service", self.service), ("check", self.check), ("load", self.load)):
            names = [item.name for item in items]
            duplicates = sorted({n for n in names if names.count(n) > 1})
            if duplicates:
                raise ValueError(f"duplicate {kind} name(s): {', '.join(duplicates)}")
        known = {s.name for s in self.service}
        support = {s.name for s in self.service if s.source == "support"}
        switched = [(f"load '{lo.name}'", f) for lo in self.load for f in lo.fault]
        switched += [(f"check '{c.name}'", f) for c in self.check for f in c.fault]
        for where, fault in switched:
            if fault.service not in known:
                raise ValueError(
                    f"{where} injects a fault into unknown service "
                    f"'{fault.service}' (known: {', '.join(sorted(known)) or 'none'})"
                )
            is_switch = isinstance(fault, SwitchFault) or fault.action in SWITCH_ACTIONS
            if is_switch and fault.service not in support:
                raise ValueError(
                    f"{where} flips switches of '{fault.service}', which is not a support "
                    'service (source = "support"): only those carry the grader\'s switches'
                )
        return self

    @property
    def max_score(self) -> float:
        notebook = self.notebook.points if self.notebook else 0
        return sum(c.points for c in self.check) + sum(lo.points for lo in self.load) + notebook


def _key_path(loc: tuple[str | int, ...], raw: dict) -> str:
    """Render a pydantic location as the TOML key a person would look for."""
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1] = f"{parts[-1]}[{item}]"
        else:
            parts.append(str(item))
    return ".".join(parts) or "(top level)"


def parse_manifest(path: Path) -> Manifest:
    """Read and validate `lab.toml`; raise ManifestError with one clear line on failure."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path}: no such file (every lab folder needs a lab.toml)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path}: not valid TOML: {exc}") from None
    try:
        return Manifest.model_validate(raw)
    except ValidationError as exc:
        # A typo shows up twice (unknown key, missing key): name the typo, it is the cause.
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        problems = [f"{path}: key '{_key_path(e['loc'], raw)}': {_detail(e)}" for e in errors]
        more = len(problems) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise ManifestError(problems[0] + suffix, problems) from None


def _detail(error: dict) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key (check the spelling against the lab contract)"
    if error["type"] == "missing":
        return "required key is missing"
    return error["msg"].removeprefix("Value error, ")
