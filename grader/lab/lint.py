"""`labgrade lint`: what schema validation cannot see, checked against the lab folder."""

from __future__ import annotations

from pathlib import Path

from grader.lab.discovery import Lab
from grader.notebook.questions import NotebookSourceError, questions
from grader.run.services import PLACEHOLDER

PLACEHOLDERS = {
    "python",
    "port",
    "state_dir",
    "kafka_bootstrap",
    "topic_prefix",
    "mlflow_tracking_uri",
    "mlflow_prefix",
    "kubeconfig",
    "kube_prefix",
}
REQUIRED_FOLDERS = ("starter", "tests/visible")


def _selection_path(lab: Lab, selection: str) -> Path:
    return lab.path / selection.split("::", 1)[0]


def lint_lab(lab: Lab) -> list[str]:
    """Problems, each naming the file and key; empty when the lab is sound."""
    where = lab.manifest_path
    problems: list[str] = []
    manifest = lab.manifest
    for folder in REQUIRED_FOLDERS:
        if not (lab.path / folder).is_dir():
            problems.append(f"{lab.path}: missing folder '{folder}/'")
    if not (lab.path / "README.md").is_file():
        problems.append(f"{lab.path}: missing README.md (the student's brief)")
    # A student's copy has no tests/hidden at all (they are kept apart): not a defect.
    hidden_kept_apart = not (lab.path / "tests" / "hidden").exists()
    for i, check in enumerate(manifest.check):
        for selection in check.tests:
            if check.hidden and hidden_kept_apart:
                continue
            if not _selection_path(lab, selection).exists():
                problems.append(
                    f"{where}: key 'check[{i}].tests': no such file or folder '{selection}'"
                )
            if check.hidden == selection.startswith("tests/visible"):
                kind = "hidden" if check.hidden else "visible"
                problems.append(
                    f"{where}: key 'check[{i}].tests': a {kind} check selects '{selection}'"
                )
    for i, load in enumerate(manifest.load):
        if not (lab.path / load.locustfile).is_file():
            problems.append(
                f"{where}: key 'load[{i}].locustfile': no such file '{load.locustfile}'"
            )
    for i, service in enumerate(manifest.service):
        for text in [*service.command, *service.env.values()]:
            for name in PLACEHOLDER.findall(text):
                if name not in PLACEHOLDERS:
                    problems.append(
                        f"{where}: key 'service[{i}]': unknown placeholder '{{{name}}}' "
                        f"(known: {', '.join(sorted(PLACEHOLDERS))})"
                    )
        if service.source == "support" and not (lab.path / "support").is_dir():
            problems.append(f"{where}: key 'service[{i}].source': 'support' but no support/ folder")
        if service.ready.http and not service.needs_port:
            problems.append(f"{where}: key 'service[{i}].ready.http': needs_port is false")
    problems += _notebook_problems(lab)
    if manifest.max_score <= 0:
        problems.append(f"{where}: the lab is worth no points (no check or load has points)")
    return problems


def _notebook_problems(lab: Lab) -> list[str]:
    """The source notebook's graded cells against the manifest, and the released copy
    against the source (cheaply: `release-notebooks --check` compares byte for byte)."""
    spec = lab.manifest.notebook
    if spec is None:
        return []
    where = lab.manifest_path
    problems = []
    released = lab.path / lab.manifest.lab.submission_dir / spec.submission_folder / spec.file
    if not released.is_file():
        problems.append(
            f"{where}: key 'notebook': no released notebook at {released.relative_to(lab.path)} "
            "(run `labgrade release-notebooks`)"
        )
    source = lab.path / spec.source_dir / spec.file
    if not (lab.path / "tests" / "hidden").exists():
        return problems  # a student copy: the source is kept apart
    try:
        asked = questions(source)
    except NotebookSourceError as exc:
        return [*problems, str(exc)]
    reference = lab.path / lab.manifest.lab.reference_dir / spec.submission_folder / spec.file
    if reference.is_file() and reference.read_bytes() != source.read_bytes():
        problems.append(
            f"{reference}: differs from the source notebook (run `labgrade release-notebooks`)"
        )
    total = sum(q.points for q in asked)
    if abs(total - spec.points) > 1e-9:
        problems.append(
            f"{where}: key 'notebook.points': {spec.points:g}, but the graded cells of "
            f"{source.relative_to(lab.path)} add up to {total:g}"
        )
    if released.is_file():
        text = released.read_text(encoding="utf-8")
        if "BEGIN HIDDEN TESTS" in text or "BEGIN SOLUTION" in text:
            problems.append(f"{released}: holds solutions or hidden tests: release it again")
        else:
            try:
                same = [q.grade_id for q in questions(released)] == [q.grade_id for q in asked]
            except NotebookSourceError:
                same = False
            if not same:
                problems.append(f"{released}: its graded cells differ from the source's")
    return problems
