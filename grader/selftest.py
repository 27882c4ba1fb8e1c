"""`labgrade selftest`: the grader proves itself by grading known submissions.

Each lab's `variants/` holds submissions with the score range they must land in: the
starter low, the reference full, partial fixes in between, alternative correct fixes
full.  A variant may be a whole submission or files laid over the starter/solution.
A lab with an analysis notebook also says what the variant's notebook must score
(`notebook_points`): the reference's full, the released blank's nothing.

The variants are graded as a class, with `labgrade batch` (one set of
infrastructure, `jobs` at a time, load phases alone on the machine), so a self-test
also proves the batch path on every lab: its gradebook and class report are kept in
the lab's output folder.
"""

from __future__ import annotations

import shutil
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from grader.batch.class_report import StudentEntry
from grader.batch.runner import BatchRequest, run_batch
from grader.lab.discovery import Lab
from grader.lab.manifest import ManifestError, NotebookSpec
from grader.result import GradingResult

EXPECT_FILE = "expect.toml"


@dataclass(frozen=True)
class Variant:
    name: str
    folder: Path
    base: str | None
    min_fraction: float
    max_fraction: float
    describes: str
    notebook_points: float | None = None


@dataclass
class VariantOutcome:
    lab: str
    variant: Variant
    result: GradingResult | None
    """None: the grading itself failed (the batch log says why)."""

    @property
    def fraction(self) -> float | None:
        result = self.result
        if result is None or result.score is None or result.max_score == 0:
            return None
        return result.score / result.max_score

    @property
    def notebook_points(self) -> float | None:
        checks = self.result.checks if self.result is not None else []
        graded = [c for c in checks if c.name == NotebookSpec.name]
        return graded[0].points if graded else None

    @property
    def ok(self) -> bool:
        f = self.fraction
        v = self.variant
        in_range = f is not None and v.min_fraction - 1e-9 <= f <= v.max_fraction + 1e-9
        expected = v.notebook_points
        return in_range and (
            expected is None
            or (self.notebook_points is not None and abs(self.notebook_points - expected) < 0.01)
        )


def read_variant(folder: Path) -> Variant:
    path = folder / EXPECT_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ManifestError(f"{path}: {exc}") from None
    base = data.get("base")
    if base not in (None, "starter", "solution"):
        raise ManifestError(f'{path}: key \'base\': expected "starter" or "solution", got {base!r}')
    for key in ("min_fraction", "max_fraction"):
        if not isinstance(data.get(key), int | float) or not 0 <= data[key] <= 1:
            raise ManifestError(f"{path}: key '{key}': expected a number between 0 and 1")
    notebook_points = data.get("notebook_points")
    if notebook_points is not None and not isinstance(notebook_points, int | float):
        raise ManifestError(f"{path}: key 'notebook_points': expected a number of points")
    return Variant(
        folder.name,
        folder,
        base,
        float(data["min_fraction"]),
        float(data["max_fraction"]),
        str(data.get("describes", "")),
        None if notebook_points is None else float(notebook_points),
    )


def variants(lab: Lab) -> list[Variant]:
    root = lab.path / "variants"
    if not root.is_dir():
        return []
    return [read_variant(f) for f in sorted(root.iterdir()) if (f / EXPECT_FILE).is_file()]


def materialize(lab: Lab, variant: Variant, into: Path) -> Path:
    """The variant as one submission folder: its base with its own files laid over."""
    target = into / variant.name
    if variant.base is not None:
        shutil.copytree(
            lab.path / variant.base, target, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copytree(
        variant.folder,
        target,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns(EXPECT_FILE, "__pycache__"),
    )
    return target


def selftest(
    labs: list[Lab],
    out_root: Path,
    on_result: Callable[[VariantOutcome], None],
    jobs: int = 2,
) -> list[VariantOutcome]:
    """Grade every lab's variants as a class into `out_root/<lab>/` (a batch folder:
    gradebook.csv, report.html, students/<variant>/), reporting each as it is graded."""
    outcomes: list[VariantOutcome] = []
    with tempfile.TemporaryDirectory(prefix="labgrade-selftest-") as scratch:
        for lab in labs:
            outcomes += _selftest_lab(
                lab, Path(scratch) / lab.id, out_root / lab.id, on_result, jobs
            )
    return outcomes


def _selftest_lab(
    lab: Lab,
    class_dir: Path,
    out_dir: Path,
    on_result: Callable[[VariantOutcome], None],
    jobs: int,
) -> list[VariantOutcome]:
    found = {variant.name: variant for variant in variants(lab)}
    for variant in found.values():
        materialize(lab, variant, class_dir)
    outcomes: list[VariantOutcome] = []

    def graded(entry: StudentEntry) -> None:
        outcome = VariantOutcome(lab.id, found[entry.student], entry.result)
        on_result(outcome)
        outcomes.append(outcome)

    run_batch(
        BatchRequest(lab, class_dir, out_dir, jobs=jobs), say=lambda _: None, on_graded=graded
    )
    return outcomes
