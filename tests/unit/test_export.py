"""The student export leaks nothing an instructor keeps back, and the hidden tests
travel apart from it: as a tree, or as an encrypted bundle opened only with its key.

The leak checker decides what is instructor-only on its own (a plain walk of each
lab), not with the exporter's code, so a bug in the exporter cannot hide itself.
"""

from __future__ import annotations

import io
import re
import shutil
import tarfile
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from grader.export import (
    ExportError,
    HiddenTestsError,
    export_hidden,
    export_hidden_bundle,
    export_student,
    open_hidden_tests,
    student,
)
from grader.export.student import MARKER_FILE, WORKFLOW_SOURCE, is_marked, shipped_files
from grader.lab.discovery import Lab, lab_folders, load_lab

REPO = Path(__file__).resolve().parents[2]
COUNTER_LAB = REPO / "tests" / "labs" / "00-counter"
MIN_LINE = 25
"""Shorter lines (`return None`, `import json`) say nothing about a secret."""
REPO_SHIPPED = ("grader", "infra", "pyproject.toml", "uv.lock", "Makefile", ".gitignore")


# -- the leak checker -----------------------------------------------------------------


def _junk(path: Path) -> bool:
    return "__pycache__" in path.parts or path.suffix == ".pyc"


def _files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*") if p.is_file() and not _junk(p))


def instructor_only(lab: Lab) -> tuple[list[Path], list[Path]]:
    """(instructor-only files, files students receive) of a lab's source folder."""
    roots = [lab.path / lab.manifest.lab.reference_dir, lab.path / "tests/hidden"]
    roots += [lab.path / "variants", *(m.parent for m in lab.path.rglob(MARKER_FILE))]
    secret, public = [], []
    for file in _files(lab.path):
        hidden = any(root == file or root in file.parents for root in roots)
        (secret if hidden or is_marked(file) else public).append(file)
    return secret, public


def long_lines(path: Path) -> set[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return set()
    return {stripped for line in text.splitlines() if len(stripped := line.strip()) >= MIN_LINE}


def distinctive_lines(labs: list[Lab]) -> dict[str, str]:
    """Lines of instructor-only files that no file students receive contains, each with
    the file it comes from: lines shared with the starter or the grader are no secret."""
    public: set[str] = set()
    for name in REPO_SHIPPED:
        for file in _files(REPO / name) if (REPO / name).exists() else []:
            public |= long_lines(file)
    secrets: dict[str, str] = {}
    for lab in labs:
        secret, received = instructor_only(lab)
        for file in received:
            public |= long_lines(file)
        for file in secret:
            origin = f"labs/{lab.id}/{file.relative_to(lab.path)}"
            for line in long_lines(file):
                secrets.setdefault(line, origin)
    return {line: origin for line, origin in secrets.items() if line not in public}


def find_leaks(export_root: Path, labs: list[Lab]) -> list[str]:
    """Every instructor-only path present in the export, compiled code, and every
    distinctive line of an instructor-only file found in any exported file."""
    leaks = []
    for lab in labs:
        exported = export_root / "labs" / lab.id
        secret, _ = instructor_only(lab)
        folders = [lab.manifest.lab.reference_dir, "tests/hidden", "variants"]
        paths = [*folders, *(str(f.relative_to(lab.path)) for f in secret)]
        leaks += [f"labs/{lab.id}/{p}: instructor-only" for p in paths if (exported / p).exists()]
    exported_files = _files(export_root)
    leaks += [f"{f.relative_to(export_root)}: compiled code" for f in export_root.rglob("*.pyc")]
    index: dict[str, Path] = {}
    for file in exported_files:
        for line in long_lines(file):
            index.setdefault(line, file.relative_to(export_root))
    for line, origin in sorted(distinctive_lines(labs).items()):
        if line in index:
            leaks.append(f"{index[line]}: a line of {origin}: {line!r}")
    return leaks


# -- fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="module")
def real_labs() -> list[Lab]:
    labs = [load_lab(folder) for folder in lab_folders(REPO / "labs")]
    assert len(labs) >= 6
    return labs


@pytest.fixture(scope="module")
def real_export(tmp_path_factory, real_labs, repo_root) -> tuple[Path, student.ExportSummary]:
    out = tmp_path_factory.mktemp("export") / "student"
    return out, export_student(out, real_labs, repo_root)


def lab_copy(tmp_path: Path, name: str = "00-counter") -> Path:
    folder = tmp_path / "labs" / name
    shutil.copytree(COUNTER_LAB, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


# -- the student export -----------------------------------------------------------------


def test_the_export_of_every_real_lab_leaks_nothing(real_export, real_labs):
    out, summary = real_export
    secrets = distinctive_lines(real_labs)
    for lab in real_labs:  # the check has something to look for in every lab
        for part in (lab.manifest.lab.reference_dir, "tests/hidden"):
            origin = f"labs/{lab.id}/{part}/"
            assert any(o.startswith(origin) for o in secrets.values()), f"no line of {origin}"
    assert find_leaks(out, real_labs) == []
    assert not list(out.rglob("__pycache__"))
    assert summary.files_left_out == sum(len(instructor_only(lab)[0]) for lab in real_labs)


def test_the_export_has_everything_students_need(real_export, real_labs, repo_root):
    out, summary = real_export
    for lab in real_labs:
        _, received = instructor_only(lab)
        for file in received:
            exported = out / "labs" / lab.id / file.relative_to(lab.path)
            assert exported.read_bytes() == file.read_bytes(), exported
    for name in ("grader/cli.py", "grader/export/student_readme.md", "pyproject.toml"):
        assert (out / name).is_file(), name
    assert (out / "uv.lock").read_bytes() == (repo_root / "uv.lock").read_bytes()
    build = out / "infra/kubernetes/build-control-plane.sh"
    assert build.stat().st_mode & 0o111, "the build script must stay executable"
    workflow = out / ".github/workflows/classroom.yml"
    assert workflow.read_bytes() == (repo_root / WORKFLOW_SOURCE).read_bytes(), (
        "a template of several labs keeps the workflow's LABGRADE_LAB variable"
    )
    for absent in ("tests", "bench", ".ci", ".git", "grading", ".venv", ".tools"):
        assert not (out / absent).exists(), absent
    assert summary.files_written == len(_files(out))


def test_the_student_readme(real_export, real_labs):
    out, _ = real_export
    readme = (out / "README.md").read_text(encoding="utf-8")
    for text in ("make setup", ".venv/bin/labgrade check 01", "make control-plane", "hidden"):
        assert text in readme
    for lab in real_labs:
        infra = ", ".join(lab.manifest.lab.infra) or "none"
        link = f"[{lab.number}](labs/{lab.id}/README.md)"
        row = f"| {link} | {lab.manifest.lab.title} | {infra} | {lab.manifest.max_score:g} |"
        assert row in readme
    assert not re.search(r"\$[a-z_{]", readme), "a template placeholder was left"
    assert "grading/check/" in readme and 'eval "$(.venv/bin/labgrade infra up' in readme


def test_the_leak_check_fails_when_the_exclusion_breaks(
    tmp_path, real_labs, repo_root, monkeypatch
):
    lab = next(lab for lab in real_labs if lab.id.startswith("03"))
    monkeypatch.setattr(student, "LAB_INSTRUCTOR_FOLDERS", ("variants",))
    export_student(tmp_path / "out", [lab], repo_root)
    leaks = find_leaks(tmp_path / "out", [lab])
    assert f"labs/{lab.id}/tests/hidden: instructor-only" in leaks
    assert any("a line of labs/03-event-sourcing/tests/hidden/" in leak for leak in leaks)


def test_the_leak_check_finds_a_hidden_test_under_another_name(tmp_path, real_labs, repo_root):
    lab = next(lab for lab in real_labs if lab.id.startswith("03"))
    out = tmp_path / "out"
    export_student(out, [lab], repo_root)
    assert find_leaks(out, [lab]) == []
    hidden = sorted((lab.path / "tests/hidden").glob("test_*.py"))[0]
    shutil.copy2(hidden, out / "labs" / lab.id / "starter" / "notes.py")
    leaks = find_leaks(out, [lab])
    assert leaks and all(f"labs/{lab.id}/starter/notes.py: a line of" in leak for leak in leaks)
    assert any(f"tests/hidden/{hidden.name}" in leak for leak in leaks)


def test_marked_files_and_folders_stay_out(tmp_path, repo_root):
    folder = lab_copy(tmp_path)
    starter = folder / "starter"
    (starter / "notes.py").write_text("# labgrade: instructor-only\nANSWER = 42\n")
    (folder / "GRADING.md").write_text("# Notes\n\n<!-- labgrade: instructor-only -->\n")
    (starter / "late.py").write_text("#\n" * 5 + "# labgrade: instructor-only\n")
    oracle = folder / "support" / "oracle"
    (oracle / "deeper").mkdir(parents=True)
    (oracle / MARKER_FILE).touch()
    (oracle / "oracle.py").write_text("EXPECTED = 42\n")
    (oracle / "deeper" / "cases.json").write_text("[]\n")
    lab = load_lab(folder)
    summary = export_student(tmp_path / "out", [lab], repo_root)
    exported = tmp_path / "out" / "labs" / "00-counter"
    gone = [
        "starter/notes.py",
        "GRADING.md",
        "support/oracle/.instructor-only",
        "support/oracle/oracle.py",
        "support/oracle/deeper/cases.json",
    ]
    for relative in gone:
        assert not (exported / relative).exists(), relative
        assert f"labs/00-counter/{relative}" in summary.left_out
    assert not (exported / "support").exists()
    assert (exported / "starter/late.py").is_file(), "the marker counts in the first 5 lines"
    assert (exported / "starter/counter.py").is_file()
    assert find_leaks(tmp_path / "out", [lab]) == []
    assert re.search(r"^  labs/00-counter/support/ +3$", summary.describe(), re.MULTILINE)


def test_the_manifests_reference_dir_stays_out(tmp_path, repo_root):
    folder = lab_copy(tmp_path)
    manifest = folder / "lab.toml"
    text = manifest.read_text().replace("lesson = 1\n", 'lesson = 1\nreference_dir = "ref"\n')
    manifest.write_text(text)
    shutil.copytree(folder / "starter", folder / "ref")
    lab = load_lab(folder)
    summary = export_student(tmp_path / "out", [lab], repo_root)
    assert not (tmp_path / "out/labs/00-counter/ref").exists()
    assert "labs/00-counter/ref/counter.py" in summary.left_out
    assert (tmp_path / "out/labs/00-counter/starter/counter.py").is_file()
    readme = (tmp_path / "out/README.md").read_text()
    assert "check 00" in readme and "make control-plane" not in readme


def test_refusals_leave_the_target_alone(tmp_path, repo_root):
    lab = load_lab(lab_copy(tmp_path))
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "old.txt").write_text("mine")
    with pytest.raises(ExportError, match="not an empty folder"):
        export_student(taken, [lab], repo_root)
    with pytest.raises(ExportError, match="no lab"):
        export_student(tmp_path / "none", [], repo_root)
    (lab.path / "starter" / "peek.py").symlink_to(lab.path / "tests/hidden/test_counting.py")
    with pytest.raises(ExportError, match="symbolic link"):
        export_student(tmp_path / "linked", [lab], repo_root)
    assert not (tmp_path / "linked").exists()
    (lab.path / "starter" / "peek.py").unlink()
    (lab.path / "tests/hidden/link.py").symlink_to(lab.path / "starter/counter.py")
    export_student(tmp_path / "fine", [lab], repo_root)  # a link that stays out is no leak
    bare = tmp_path / "bare"
    for name in ("grader", "infra"):
        (bare / name).mkdir(parents=True)
    for name in ("pyproject.toml", "uv.lock", "Makefile"):
        (bare / name).touch()
    with pytest.raises(ExportError, match=r"classroom\.yml is missing"):
        export_student(tmp_path / "no-workflow", [lab], bare)
    assert not (tmp_path / "no-workflow").exists()


def test_a_template_of_one_lab_names_it_in_classrooms_own_workflow(tmp_path, repo_root):
    lab = load_lab(COUNTER_LAB)
    export_student(tmp_path / "one", [lab], repo_root)
    workflow = (tmp_path / "one" / ".github/workflows/classroom.yml").read_text()
    assert '      LAB: "00-counter"\n' in workflow
    assert "vars.LABGRADE_LAB" not in workflow
    # GitHub Classroom's generated workflow, job and reporter step, by name
    assert "\nname: Autograding Tests\n" in workflow
    assert "\njobs:\n  run-autograding-tests:\n" in workflow
    assert "      - name: Autograding Reporter\n" in workflow
    assert "--github" in workflow and "runners: grade" in workflow


# -- hidden tests -----------------------------------------------------------------------


def assert_hidden_tree(root: Path, labs: list[Lab]) -> None:
    for lab in labs:
        source = lab.path / "tests/hidden"
        copied = root / lab.id / "tests/hidden"
        assert shipped_files(copied) == shipped_files(source)
        for relative in shipped_files(source):
            assert (copied / relative).read_bytes() == (source / relative).read_bytes()


def test_export_hidden_lays_out_each_labs_hidden_tests(tmp_path, real_labs):
    summary = export_hidden(tmp_path / "hidden", real_labs)
    assert_hidden_tree(tmp_path / "hidden", real_labs)
    assert summary.labs == tuple(lab.id for lab in real_labs)
    assert sorted(p.name for p in (tmp_path / "hidden").iterdir()) == sorted(
        ["README.md", *summary.labs]
    )
    readme = (tmp_path / "hidden/README.md").read_text()
    assert "labgrade grade NN --submission . --tests" in readme


def test_export_hidden_skips_labs_without_hidden_tests(tmp_path, real_labs):
    folder = lab_copy(tmp_path / "src")
    shutil.rmtree(folder / "tests/hidden")
    bare = load_lab(folder)
    summary = export_hidden(tmp_path / "hidden", [bare, real_labs[0]])
    assert summary.labs == (real_labs[0].id,)
    assert not (tmp_path / "hidden" / bare.id).exists()
    with pytest.raises(ExportError, match="nothing to export"):
        export_hidden(tmp_path / "nothing", [bare])


def test_a_bundle_opens_with_its_key_and_is_removed_after(tmp_path, real_labs):
    bundle = tmp_path / "hidden.bundle"
    key = export_hidden_bundle(bundle, real_labs)
    assert b"def test_" not in bundle.read_bytes()
    with open_hidden_tests(bundle, key.decode() + "\n") as folder:
        assert_hidden_tree(folder, real_labs)
    assert not folder.exists()
    given = Fernet.generate_key()
    assert export_hidden_bundle(bundle, real_labs[:1], given) == given
    with open_hidden_tests(bundle, given) as folder:
        assert sorted(p.name for p in folder.iterdir()) == sorted(["README.md", real_labs[0].id])


def test_a_folder_is_used_as_it_is(tmp_path, real_labs):
    export_hidden(tmp_path / "hidden", real_labs[:1])
    with open_hidden_tests(tmp_path / "hidden", None) as folder:
        assert folder == tmp_path / "hidden"
    assert folder.is_dir()


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (None, "give its key"),
        ("", "give its key"),
        ("not-a-key", "not a Fernet key"),
        (Fernet.generate_key().decode(), "does not open this bundle"),
    ],
)
def test_a_bundle_needs_its_own_key(tmp_path, real_labs, key, message):
    bundle = tmp_path / "hidden.bundle"
    export_hidden_bundle(bundle, real_labs[:1])
    with pytest.raises(HiddenTestsError, match=message), open_hidden_tests(bundle, key):
        pass


def test_missing_hidden_tests_are_an_error(tmp_path):
    with (
        pytest.raises(HiddenTestsError, match="no such folder or bundle"),
        open_hidden_tests(tmp_path / "missing", "key"),
    ):
        pass


def _encrypted_tar(key: bytes, member: tarfile.TarInfo, data: bytes = b"x = 1\n") -> bytes:
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        member.size = len(data) if member.isfile() else 0
        tar.addfile(member, io.BytesIO(data) if member.isfile() else None)
    return Fernet(key).encrypt(archive.getvalue())


def _member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.type, member.linkname = kind, link
    return member


@pytest.mark.parametrize(
    ("member", "message"),
    [
        (_member("../escaped.py"), "outside the bundle"),
        (_member("00-counter/tests/hidden/../../../escaped.py"), "outside the bundle"),
        (_member("/tmp/labgrade-absolute-escaped.py"), "outside the bundle"),
        (_member("00-counter/link", tarfile.SYMTYPE, "/etc/passwd"), "link or a device"),
    ],
    ids=["parent", "nested-parent", "absolute", "symlink"],
)
def test_a_bundle_cannot_write_outside_its_folder(tmp_path, member, message):
    key = Fernet.generate_key()
    bundle = tmp_path / "work" / "evil.bundle"
    bundle.parent.mkdir()
    bundle.write_bytes(_encrypted_tar(key, member))
    with pytest.raises(HiddenTestsError, match=message), open_hidden_tests(bundle, key):
        pass
    assert not (tmp_path / "escaped.py").exists()
    assert not Path("/tmp/labgrade-absolute-escaped.py").exists()


def test_an_encrypted_file_that_is_no_bundle(tmp_path):
    key = Fernet.generate_key()
    (tmp_path / "b").write_bytes(Fernet(key).encrypt(b"plain text, not a tar.gz"))
    with (
        pytest.raises(HiddenTestsError, match="not a readable bundle"),
        open_hidden_tests(tmp_path / "b", key),
    ):
        pass


def test_every_notebook_is_released_afresh_without_solutions_or_hidden_tests(
    real_export, real_labs
):
    out, _ = real_export
    secrets = distinctive_lines(real_labs)
    for lab in real_labs:  # the leak check above looks for the notebook's secrets too
        source = lab.path / "tests/hidden/notebook/analysis.ipynb"
        assert long_lines(source) & set(secrets), f"no distinctive line in {source}"
        released = out / "labs" / lab.id / "starter" / "notebook" / "analysis.ipynb"
        text = released.read_text(encoding="utf-8")
        assert "BEGIN HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text
        assert "raise NotImplementedError()" in text


def test_the_export_releases_the_source_not_the_committed_copy(tmp_path, repo_root):
    """A starter notebook left holding solutions (release-notebooks forgotten) is
    replaced by nbgrader's release of the source."""
    folder = tmp_path / "labs" / "01-notebook"
    shutil.copytree(REPO / "tests" / "labs" / "01-notebook", folder)
    source = folder / "tests/hidden/notebook/analysis.ipynb"
    shutil.copy2(source, folder / "starter/notebook/analysis.ipynb")
    summary = export_student(tmp_path / "out", [load_lab(folder)], repo_root)
    exported = tmp_path / "out/labs/01-notebook/starter/notebook"
    text = (exported / "analysis.ipynb").read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in text and "HIDDEN-TEST-SOURCE" not in text
    assert (exported / "arrivals.csv").read_bytes() == (source.parent / "arrivals.csv").read_bytes()
    assert not any("starter/notebook" in path for path in summary.left_out)
