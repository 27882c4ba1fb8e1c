"""Calibration: the reference solution's load figures, measured on this machine.

A threshold with `relative` bounds is judged against what the reference solution
achieves on the same machine, so a slow CI runner does not fail a good student.
The reference is measured once per machine, lab version and solution version and
cached (`~/.cache/labgrade/calibration/`); `labgrade calibrate` refreshes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from grader.cache import cache_root
from grader.lab.discovery import Lab

RUNS = 3
"""Reference runs per calibration; their median is kept."""


@dataclass(frozen=True)
class Calibration:
    lab: str
    key: str
    figures: dict[str, dict[str, float]]
    """Per load name: threshold key -> the reference's median figure."""
    runs: int

    def for_load(self, name: str) -> dict[str, float]:
        return self.figures.get(name, {})


def needs_calibration(lab: Lab) -> bool:
    return any(t.relative for load in lab.manifest.load for t in load.threshold)


def machine_fingerprint() -> str:
    """What makes figures comparable: the processor, the core count, the memory."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**30
    return f"{platform.machine()}|{model}|{os.cpu_count()}cpu|{memory}GiB|{platform.node()}"


def _digest_files(paths: Iterable[Path], digest: hashlib._Hash) -> None:
    for path in sorted(paths):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.name).encode())
            digest.update(path.read_bytes())


def calibration_key(lab: Lab) -> str:
    """Changes when the machine, the manifest, the reference or the scenarios change."""
    digest = hashlib.sha256(machine_fingerprint().encode())
    digest.update(lab.manifest_path.read_bytes())
    _digest_files((lab.path / lab.manifest.lab.reference_dir).rglob("*"), digest)
    _digest_files((lab.path / "load").rglob("*"), digest)
    _digest_files((lab.path / "support").rglob("*"), digest)
    return digest.hexdigest()[:16]


def cache_path(lab: Lab) -> Path:
    return cache_root() / "calibration" / f"{lab.id}-{calibration_key(lab)}.json"


def cached(lab: Lab) -> Calibration | None:
    path = cache_path(lab)
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return Calibration(data["lab"], data["key"], data["figures"], data["runs"])


def median_figures(runs: list[dict[str, dict[str, float | None]]]) -> dict[str, dict[str, float]]:
    """Per load and threshold key, the median of the runs that measured it."""
    merged: dict[str, dict[str, float]] = {}
    for load in {name for run in runs for name in run}:
        keys = {key for run in runs for key in run.get(load, {})}
        for key in keys:
            values = [v for run in runs if (v := run.get(load, {}).get(key)) is not None]
            if values:
                merged.setdefault(load, {})[key] = float(statistics.median(values))
    return merged


def store(lab: Lab, figures: dict[str, dict[str, float]], runs: int) -> Calibration:
    path = cache_path(lab)
    path.parent.mkdir(parents=True, exist_ok=True)
    calibration = Calibration(lab.id, calibration_key(lab), figures, runs)
    payload = {
        "lab": lab.id,
        "key": calibration.key,
        "figures": figures,
        "runs": runs,
        "machine": machine_fingerprint(),
    }
    path.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return calibration


def calibrate(
    lab: Lab, measure: Callable[[], dict[str, dict[str, float | None]]], runs: int | None = None
) -> Calibration:
    """Measure the reference `runs` times (default RUNS) with `measure`; cache the medians."""
    runs = runs or RUNS
    return store(lab, median_figures([measure() for _ in range(runs)]), runs)
