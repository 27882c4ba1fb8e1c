"""Analysis notebooks graded for real: nbgrader in its worker, the kernel in bubblewrap.

The test lab `tests/labs/01-notebook` has nothing but a two-question notebook, so
these runs cost nbgrader's start-up and little else.  Its variants are the blank, the
reference, a half-right notebook, one whose cell never finishes, one with a graded
cell deleted and one that tries every way to get at the hidden tests.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import psutil
import pytest

from grader.grade import GradeRequest, grade
from grader.lab.discovery import load_lab
from grader.notebook.autograde import KERNEL_MEMORY_MB, NotebookRun, grade_notebook
from grader.run import sandbox
from grader.selftest import materialize, selftest, variants

NOTEBOOK_LAB = Path(__file__).resolve().parents[1] / "labs" / "01-notebook"
HIDDEN_MARKER = "HIDDEN-TEST-SOURCE-5c1e"
HIDDEN_LINES = ("abs(in_flight - 6.0) <= 0.01", "assert busiest == 4")

needs_bubblewrap = pytest.mark.skipif(
    sandbox.bubblewrap() is None, reason="the kernel's isolation needs bubblewrap"
)


def _kernels_started_since(moment: float) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline", "create_time"]):
        command = " ".join(process.info["cmdline"] or [])
        if "ipykernel_launcher" in command and process.info["create_time"] >= moment:
            found.append(process)
    return found


def _texts_under(root: Path) -> dict[Path, str]:
    return {
        path: path.read_text(encoding="utf-8", errors="replace")
        for path in root.rglob("*")
        if path.is_file()
    }


@pytest.mark.slow
def test_every_notebook_variant_lands_on_its_points(tmp_path, test_labs_root):
    started = time.time()
    lab = load_lab(NOTEBOOK_LAB)
    outcomes = {o.variant.name: o for o in selftest([lab], tmp_path, lambda _: None)}
    assert set(outcomes) == {v.name for v in variants(lab)} >= {"starter", "solution", "snoops"}
    assert all(o.ok for o in outcomes.values()), {
        name: (o.result.score, o.notebook_points, o.result.error) for name, o in outcomes.items()
    }
    assert outcomes["solution"].notebook_points == 4
    assert outcomes["starter"].notebook_points == 0
    for name, outcome in outcomes.items():
        assert "notebook_s" in outcome.result.timings, name
        assert outcome.result.timings["notebook_s"] < 60, name
    partial = next(c for c in outcomes["partial"].result.checks if c.name == "notebook")
    failed = [t for t in partial.tests if t.outcome == "failed"]
    assert [t.name for t in failed] == ["Busiest second"]
    assert failed[0].message.startswith("Count arrivals per second")
    assert _kernels_started_since(started) == [], "a kernel outlived its grading"
    for path, text in _texts_under(tmp_path).items():  # every report of every variant
        for secret in (HIDDEN_MARKER, *HIDDEN_LINES):
            assert secret not in text, f"{path} reveals hidden test source"


@needs_bubblewrap
def test_a_snooping_kernel_sees_test_cells_run_but_no_file_and_reports_keep_them(tmp_path):
    """The kernel does see each test cell as it runs (an IPython hook): that is why no
    output ever leaves the worker.  What it must not reach is any file holding them."""
    lab = load_lab(NOTEBOOK_LAB)
    variant = next(v for v in variants(lab) if v.name == "snoops")
    submission = materialize(lab, variant, tmp_path)
    scratch = tmp_path / "scratch"
    run = NotebookRun(lab.id, NOTEBOOK_LAB / "tests/hidden/notebook", submission, scratch, ())
    result = grade_notebook(lab.manifest.notebook, run)

    assert result.points == 2  # Q1 answered, Q2 raised
    assert HIDDEN_MARKER not in json.dumps([result.message, [t.message for t in result.tests]])
    executed = scratch / "course" / "autograded" / "student" / lab.id / "analysis.ipynb"
    outputs = [
        "".join(out.get("text") or out.get("evalue") or "")
        for cell in json.loads(executed.read_text(encoding="utf-8"))["cells"]
        for out in cell.get("outputs", [])
    ]
    assert any(o.startswith("LEAK") and HIDDEN_MARKER in o for o in outputs), "the hook ran"
    printed = "\n".join(outputs)
    assert f"LIMIT {KERNEL_MEMORY_MB * 1024 * 1024}" in printed, "the kernel's memory limit"
    assert "IFACES ['lo']" in printed, "the kernel's network namespace has loopback only"
    file_reads = [line for o in outputs for line in o.splitlines() if line.startswith("FILE ")]
    assert not any(HIDDEN_MARKER in line for line in file_reads), file_reads
    stolen = scratch / "kernel" / "stolen.txt"
    assert stolen.is_file(), "the kernel wrote into its own folder, which is thrown away"


@pytest.mark.slow
def test_hidden_tests_kept_apart_carry_the_notebook(tmp_path, test_labs_root):
    lab = load_lab(NOTEBOOK_LAB)
    kept_apart = tmp_path / "hidden"
    shutil.copytree(NOTEBOOK_LAB / "tests" / "hidden", kept_apart)
    request = GradeRequest(
        lab=lab,
        submission=NOTEBOOK_LAB / "solution",
        out_dir=tmp_path / "out",
        hidden_tests=kept_apart,
    )
    assert grade(request, progress=lambda _: None).score == 4

    shutil.rmtree(kept_apart / "notebook")
    missing = grade(
        GradeRequest(
            lab=lab,
            submission=NOTEBOOK_LAB / "solution",
            out_dir=tmp_path / "out2",
            hidden_tests=kept_apart,
        ),
        progress=lambda _: None,
    )
    assert missing.status == "infrastructure_error" and missing.score is None
    assert "the lab's notebook cannot be graded" in missing.error


def test_check_mode_leaves_the_notebook_to_grade(tmp_path, test_labs_root):
    lab = load_lab(NOTEBOOK_LAB)
    request = GradeRequest(
        lab=lab, submission=NOTEBOOK_LAB / "starter", out_dir=tmp_path, mode="check"
    )
    result = grade(request, progress=lambda _: None)
    (listed,) = result.checks  # listed with its points, never run here
    assert listed.name == "notebook" and listed.hidden and listed.tests == []
    assert listed.max_points == lab.manifest.notebook.points and result.max_score == 0
    assert "notebook_s" not in result.timings
    assert any("graded by hidden tests in `labgrade grade`" in note for note in result.notes)


def test_release_notebooks_rewrites_stale_copies_and_check_says_so(tmp_path, monkeypatch, capsys):
    from grader.cli import main

    labs = tmp_path / "labs"
    shutil.copytree(NOTEBOOK_LAB, labs / "01-notebook")
    monkeypatch.setenv("LABGRADE_LABS", str(labs))
    assert main(["release-notebooks", "--check"]) == 0, "the committed copies are current"
    source = labs / "01-notebook/tests/hidden/notebook/analysis.ipynb"
    source.write_text(source.read_text(encoding="utf-8").replace("40 requests", "50 requests"))
    assert main(["release-notebooks", "--check"]) == 1
    assert capsys.readouterr().out.count("out of date:") == 2  # starter's and solution's
    assert main(["release-notebooks"]) == 0
    released = labs / "01-notebook/starter/notebook/analysis.ipynb"
    assert "50 requests" in released.read_text(encoding="utf-8")
    assert main(["release-notebooks", "--check"]) == 0
