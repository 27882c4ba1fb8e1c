"""The student template repository: the grader, the labs without instructor-only
content, the GitHub Classroom workflow and a README written for students.

Instructor-only, never exported:

- in every lab: its reference submission (`reference_dir` in lab.toml, `solution/` by
  default), `tests/hidden/` and `variants/`;
- the analysis notebook's source: the starter's `notebook/` is released afresh from
  `tests/hidden/notebook/` by `nbgrader generate_assignment`, so the copy students
  get never depends on someone having run `labgrade release-notebooks`;
- a file whose first 5 lines contain the text `labgrade: instructor-only`, in a
  comment of whatever language the file is in (`# labgrade: instructor-only`);
- a folder holding a file named `.instructor-only`, with everything under it.

The markers apply to everything the export copies (grader, infra and labs), so notes
or an oracle can live beside the code students get without ever reaching them.  What
the export copies from the project is an allow-list: a new top-level folder stays
out until it is named here, because forgetting to ship something is a bug report
while forgetting to exclude something is a leak.
"""

from __future__ import annotations

import os
import shutil
import string
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path, PurePosixPath

from grader.infra.kubernetes import BUILD_TIME
from grader.lab.discovery import Lab
from grader.lab.manifest import NotebookSpec
from grader.notebook.questions import NotebookSourceError
from grader.notebook.release import release_notebook

MARKER_TEXT = "labgrade: instructor-only"
MARKER_LINES = 5
MARKER_FILE = ".instructor-only"
LAB_INSTRUCTOR_FOLDERS = ("tests/hidden", "variants")
"""Besides the lab's `reference_dir`, which the manifest names."""

REPO_FOLDERS = ("grader", "infra")
REPO_FILES = ("pyproject.toml", "uv.lock", "Makefile")
OPTIONAL_REPO_FILES = (".python-version", ".gitignore")
WORKFLOW_SOURCE = PurePosixPath("infra/github/classroom.yml")
WORKFLOW_TARGET = PurePosixPath(".github/workflows/classroom.yml")
WORKFLOW_LAB_LINE = "      LAB: ${{ vars.LABGRADE_LAB }}\n"
"""The workflow's lab, from a variable: an export of one lab writes the lab in."""
README_TEMPLATE = Path(__file__).with_name("student_readme.md")

JUNK_FOLDERS = frozenset({"__pycache__", ".pytest_cache", ".hypothesis", ".ruff_cache"})
JUNK_SUFFIXES = (".pyc",)


class ExportError(Exception):
    """The export cannot be written as asked; the message says what to change."""


def _area(path: str) -> str:
    """Where a left-out file lives, at the depth an instructor thinks in:
    `labs/<id>/solution/`, `labs/<id>/tests/hidden/`, `grader/<module>`."""
    parts = PurePosixPath(path).parts
    in_lab = parts[0] == "labs"
    depth = 2 + in_lab + (in_lab and parts[2:3] == ("tests",))
    return "/".join(parts[:depth]) + ("/" if len(parts) > depth else "")


@dataclass(frozen=True)
class ExportSummary:
    out: Path
    labs: tuple[str, ...]
    files_written: int
    left_out: tuple[str, ...]
    """Instructor-only files not exported, as paths they would have had in the export."""

    @property
    def files_left_out(self) -> int:
        return len(self.left_out)

    def describe(self) -> str:
        """What the CLI prints: what was written, and what was left out where."""
        lines = [f"wrote {self.files_written} files to {self.out} (labs {', '.join(self.labs)})"]
        if self.left_out:
            lines.append(f"left out {self.files_left_out} instructor-only files:")
            areas = Counter(_area(path) for path in self.left_out)
            width = max(len(area) for area in areas)
            lines += [f"  {area:<{width}}  {count}" for area, count in sorted(areas.items())]
        return "\n".join(lines)


def is_marked(path: Path) -> bool:
    """True when the file declares itself instructor-only in its first lines."""
    with path.open("rb") as file:
        head = b"".join(islice(file, MARKER_LINES))
    return MARKER_TEXT.encode() in head


def require_empty(out: Path) -> None:
    """Refuse to write into a folder with content: an export never merges into old files."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExportError(f"{out} exists and is not an empty folder: choose a new one")


def shipped_files(folder: Path) -> list[PurePosixPath]:
    """Every file under `folder`, relative to it, caches and bytecode skipped."""
    found: list[PurePosixPath] = []
    for here, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in JUNK_FOLDERS)
        relative = PurePosixPath(Path(here).relative_to(folder).as_posix())
        found += [relative / f for f in sorted(files) if not f.endswith(JUNK_SUFFIXES)]
    return found


def select(
    folder: Path, excluded: frozenset[PurePosixPath] = frozenset()
) -> tuple[list[PurePosixPath], list[PurePosixPath]]:
    """(files to export, instructor-only files) under `folder`, relative to it.

    `excluded` names folders or files relative to `folder`.  Symbolic links are
    refused: a link in a student's folder could point into a hidden one.
    """
    keep: list[PurePosixPath] = []
    leave: list[PurePosixPath] = []
    for here, dirs, files in os.walk(folder):
        here_path = Path(here)
        relative = PurePosixPath(here_path.relative_to(folder).as_posix())
        dirs[:] = sorted(d for d in dirs if d not in JUNK_FOLDERS)
        if relative in excluded or MARKER_FILE in files:
            leave += [relative / f for f in shipped_files(here_path)]
            dirs[:] = []
            continue
        links = [n for n in [*dirs, *files] if (here_path / n).is_symlink()]
        if links:
            raise ExportError(f"{here_path / links[0]} is a symbolic link: export copies files")
        for name in sorted(files):
            if name.endswith(JUNK_SUFFIXES):
                continue
            path = relative / name
            marked = path in excluded or is_marked(here_path / name)
            (leave if marked else keep).append(path)
    return keep, leave


def _released_notebook(lab: Lab, scratch: Path) -> Path | None:
    """The lab's notebook as students get it, or None for a lab without one."""
    source = lab.path / NotebookSpec.source_dir
    if lab.manifest.notebook is None or not source.is_dir():
        return None
    try:
        release_notebook(lab, source, scratch / lab.id)
    except NotebookSourceError as exc:
        raise ExportError(str(exc)) from None
    return scratch / lab.id


def lab_exclusions(lab: Lab) -> frozenset[PurePosixPath]:
    return frozenset(
        PurePosixPath(p) for p in (lab.manifest.lab.reference_dir, *LAB_INSTRUCTOR_FOLDERS)
    )


def _control_plane_note(labs: list[Lab]) -> str:
    numbers = [lab.number for lab in labs if "kubernetes" in lab.manifest.lab.infra]
    if not numbers:
        return ""
    which = f"Lab {numbers[0]} grades" if len(numbers) == 1 else f"Labs {', '.join(numbers)} grade"
    return (
        f"{which} on a Kubernetes control plane: build it once per machine with "
        "`make control-plane` (Debian or Ubuntu: it fetches Debian's packages with apt; "
        f"{BUILD_TIME}; the binaries are cached in `~/.cache/labgrade/kubernetes/`).\n\n"
    )


def render_workflow(source: Path, labs: list[Lab]) -> str:
    """The Classroom workflow; for a template of one lab, with that lab written in, so
    that each assignment's repository names its own lab (one organisation-wide
    variable could not serve several assignments)."""
    if not source.is_file():
        raise ExportError(f"{source} is missing: students' pushes would not be graded")
    text = source.read_text(encoding="utf-8")
    if WORKFLOW_LAB_LINE not in text:
        raise ExportError(f"{source} has no line {WORKFLOW_LAB_LINE.strip()!r} to name the lab")
    if len(labs) == 1:
        text = text.replace(WORKFLOW_LAB_LINE, f'      LAB: "{labs[0].id}"\n')
    return text


def render_readme(labs: list[Lab]) -> str:
    """The student's README: set-up, checking, grading, and the labs with their points."""
    rows = [
        f"| [{lab.number}](labs/{lab.id}/README.md) | {lab.manifest.lab.title} "
        f"| {', '.join(lab.manifest.lab.infra) or 'none'} | {lab.manifest.max_score:g} |"
        for lab in labs
    ]
    template = string.Template(README_TEMPLATE.read_text(encoding="utf-8"))
    return template.substitute(
        lab=labs[0].number,
        lab_id=labs[0].id,
        labs_table="\n".join(rows),
        control_plane=_control_plane_note(labs),
    )


def export_student(
    out: Path,
    labs: list[Lab],
    repo_root: Path,
    progress: Callable[[str], None] = lambda _: None,
) -> ExportSummary:
    """Write the student template repository for `labs` into `out` (new or empty).

    Everything is planned before anything is written, so a refused export (a symbolic
    link, a missing file) leaves `out` as it was.  Releasing each lab's notebook
    (nbgrader) takes seconds, so `progress` hears about each lab.
    """
    if not labs:
        raise ExportError("no lab to export")
    ids = [lab.id for lab in labs]
    if len(set(ids)) != len(ids):
        raise ExportError(f"a lab is selected twice: {', '.join(ids)}")
    require_empty(out)
    plan: list[tuple[Path, PurePosixPath]] = []
    left_out: list[PurePosixPath] = []

    def add(
        source: Path, target: PurePosixPath, excluded: frozenset[PurePosixPath] = frozenset()
    ) -> None:
        keep, leave = select(source, excluded)
        plan.extend((source / p, target / p) for p in keep)
        left_out.extend(target / p for p in leave)

    for name in REPO_FOLDERS:
        if not (repo_root / name).is_dir():
            raise ExportError(f"{repo_root} has no {name}/: is it the project's root?")
        add(repo_root / name, PurePosixPath(name))
    for name in REPO_FILES + OPTIONAL_REPO_FILES:
        source = repo_root / name
        if not source.is_file():
            if name in REPO_FILES:
                raise ExportError(f"{repo_root} has no {name}: is it the project's root?")
            continue
        if is_marked(source):
            left_out.append(PurePosixPath(name))
        else:
            plan.append((source, PurePosixPath(name)))
    releases = tempfile.TemporaryDirectory(prefix="labgrade-export-")
    for number, lab in enumerate(labs, start=1):
        target = PurePosixPath("labs", lab.id)
        if lab.manifest.notebook is not None:
            progress(f"{lab.id} ({number}/{len(labs)}): releasing its notebook with nbgrader...")
        released = _released_notebook(lab, Path(releases.name))
        if released is None:
            add(lab.path, target, lab_exclusions(lab))
            continue
        notebook = PurePosixPath(lab.manifest.lab.submission_dir, NotebookSpec.submission_folder)
        add(lab.path, target, lab_exclusions(lab) | {notebook})
        left_out[:] = [p for p in left_out if not p.is_relative_to(target / notebook)]
        add(released, target / notebook)
    workflow = render_workflow(repo_root / WORKFLOW_SOURCE, labs)
    readme = render_readme(labs)

    progress(f"writing {len(plan) + 2} files to {out}...")
    out.mkdir(parents=True, exist_ok=True)
    with releases:
        for source, target in plan:
            (out / target).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, out / target)
    (out / WORKFLOW_TARGET).parent.mkdir(parents=True, exist_ok=True)
    (out / WORKFLOW_TARGET).write_text(workflow, encoding="utf-8")
    (out / "README.md").write_text(readme, encoding="utf-8")
    return ExportSummary(out, tuple(ids), len(plan) + 2, tuple(str(p) for p in left_out))
