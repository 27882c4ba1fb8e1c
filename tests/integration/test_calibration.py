"""Relative load thresholds: the reference is measured once per machine, cached, and
the bounds become multiples of its figures."""

from __future__ import annotations

import shutil

import pytest

from grader.grade import GradeRequest, grade
from grader.lab.discovery import load_lab
from grader.load import calibration

RELATIVE_P95 = """
[[load.threshold]]
figure = "p95_ms"
endpoint = "add"
good = 200
bad = 1000
relative = { good = 20.0, bad = 100.0 }
"""


@pytest.fixture
def relative_lab(tmp_path, counter_lab_path, monkeypatch):
    """The counter lab with its p95 bound relative to the reference (its starter)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(calibration, "RUNS", 2)
    folder = tmp_path / "00-counter"
    shutil.copytree(counter_lab_path, folder, ignore=shutil.ignore_patterns("variants"))
    manifest = (folder / "lab.toml").read_text()
    absolute = '[[load.threshold]]\nfigure = "p95_ms"\nendpoint = "add"\ngood = 200\nbad = 1000\n'
    assert absolute in manifest
    manifest = manifest.replace(absolute, RELATIVE_P95.lstrip())
    manifest = manifest.replace('submission_dir = "starter"', "")
    manifest = manifest.replace("[lab]\n", '[lab]\nreference_dir = "starter"\n', 1)
    (folder / "lab.toml").write_text(manifest)
    return load_lab(folder)


@pytest.mark.slow
def test_relative_bounds_scale_with_the_reference_and_are_cached(relative_lab, tmp_path):
    assert calibration.cached(relative_lab) is None

    def grade_once(name: str):
        request = GradeRequest(
            lab=relative_lab, submission=relative_lab.path / "starter", out_dir=tmp_path / name
        )
        return grade(request, progress=lambda _: None)

    first = grade_once("first")
    stored = calibration.cached(relative_lab)
    assert stored is not None and stored.runs == 2
    reference = stored.for_load("adds")["p95_ms@add"]
    assert reference > 0
    (load,) = first.loads
    p95 = next(t for t in load.thresholds if t.figure == "p95_ms")
    assert p95.reference == reference
    assert p95.good == pytest.approx(20 * reference, rel=1e-3)
    assert p95.bad == pytest.approx(100 * reference, rel=1e-3)
    assert any("relative" in note for note in first.notes)
    assert first.timings["calibrate_s"] > 1, "the first grading measured the reference"

    second = grade_once("second")
    assert second.timings["calibrate_s"] < 1, "the second grading must use the cache"
    assert second.loads[0].thresholds[0].reference == reference
    assert "reference solution here" in (tmp_path / "second" / "feedback.md").read_text()


@pytest.mark.slow
def test_without_a_calibration_a_check_falls_back_to_absolute_bounds(relative_lab, tmp_path):
    request = GradeRequest(
        lab=relative_lab,
        submission=relative_lab.path / "starter",
        out_dir=tmp_path / "check",
        mode="check",
    )
    result = grade(request, progress=lambda _: None)
    p95 = next(t for t in result.loads[0].thresholds if t.figure == "p95_ms")
    assert p95.reference is None and (p95.good, p95.bad) == (200, 1000)
    assert calibration.cached(relative_lab) is None, "a student's check never calibrates"
