"""Hidden tests kept apart from student repositories, and opened again for grading.

Students' repositories hold no hidden tests (see `student.py`), so grading in CI
fetches them from elsewhere, laid out as `<lab-id>/tests/hidden/...` so that one
source serves every lab:

- a tree for a private companion repository, which the Classroom workflow checks out
  with a read-only deploy key (`export_hidden`);
- or a bundle: that tree as a tar.gz encrypted with Fernet (AES with an HMAC), for
  places that are not private; the key lives in a CI secret, and a wrong key or a
  changed byte is an error, never a half-read set of tests (`export_hidden_bundle`).

`open_hidden_tests` gives `labgrade grade --tests` a folder either way.  A bundle is
unpacked into a private temporary folder removed on exit; members with absolute
paths, `..` or anything but files and folders are refused before anything is
written, and extraction runs under tarfile's `data` filter as a second line.
"""

from __future__ import annotations

import binascii
import io
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cryptography.fernet import Fernet, InvalidToken

from grader.export.student import (
    JUNK_FOLDERS,
    JUNK_SUFFIXES,
    ExportError,
    require_empty,
    shipped_files,
)
from grader.lab.discovery import Lab

HIDDEN = PurePosixPath("tests/hidden")

README = """\
# Hidden tests

The hidden tests of the labs below, for grading students' repositories in CI. Keep
this repository private: students must not read it.

{labs}

Layout: `<lab-id>/tests/hidden/`, each lab's own `tests/hidden/` folder. The GitHub
Classroom workflow of the student template repository checks this repository out
with a read-only deploy key, into `.hidden-tests`, and grades with

    labgrade grade NN --submission . --tests .hidden-tests

Generated from the labs' sources: change the tests there and export again, do not
edit them here.
"""


class HiddenTestsError(Exception):
    """Hidden tests that cannot be opened: missing, wrong key, damaged or unsafe bundle."""


@dataclass(frozen=True)
class HiddenSummary:
    labs: tuple[str, ...]
    """The labs whose hidden tests were written; a lab without tests/hidden is skipped."""
    files_written: int


def export_hidden(out: Path, labs: list[Lab]) -> HiddenSummary:
    """Write `<lab-id>/tests/hidden/...` for each lab that has hidden tests, and a README."""
    with_hidden = [lab for lab in labs if (lab.path / HIDDEN).is_dir()]
    if not with_hidden:
        raise ExportError(f"none of the labs selected has {HIDDEN}/: nothing to export")
    require_empty(out)
    files = 0
    for lab in with_hidden:
        files += len(shipped_files(lab.path / HIDDEN))
        shutil.copytree(
            lab.path / HIDDEN,
            out / lab.id / HIDDEN,
            ignore=shutil.ignore_patterns(*JUNK_FOLDERS, *(f"*{s}" for s in JUNK_SUFFIXES)),
        )
    out.mkdir(parents=True, exist_ok=True)
    listed = "\n".join(f"- `{lab.id}`: {lab.manifest.lab.title}" for lab in with_hidden)
    (out / "README.md").write_text(README.format(labs=listed), encoding="utf-8")
    return HiddenSummary(tuple(lab.id for lab in with_hidden), files + 1)


def _fernet(key: str | bytes) -> Fernet:
    try:
        return Fernet(key.strip())
    except (ValueError, TypeError, binascii.Error):
        raise HiddenTestsError(
            "the key is not a Fernet key (44 characters of url-safe base64, as the export "
            "printed it)"
        ) from None


def _anonymous(member: tarfile.TarInfo) -> tarfile.TarInfo:
    """Who exported the bundle is none of its readers' business."""
    member.uid = member.gid = 0
    member.uname = member.gname = ""
    return member


def export_hidden_bundle(out_file: Path, labs: list[Lab], key: bytes | None = None) -> bytes:
    """Write the hidden tests as one encrypted file; return the key (new unless given)."""
    key = key or Fernet.generate_key()
    fernet = _fernet(key)
    archive = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="labgrade-hidden-") as scratch:
        tree = Path(scratch) / "tree"
        export_hidden(tree, labs)
        with tarfile.open(fileobj=archive, mode="w:gz") as tar:
            for child in sorted(tree.iterdir()):
                tar.add(child, arcname=child.name, filter=_anonymous)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_bytes(fernet.encrypt(archive.getvalue()))
    return key


def _unsafe(member: tarfile.TarInfo) -> str | None:
    name = PurePosixPath(member.name)
    if name.is_absolute() or ".." in name.parts:
        return f"'{member.name}' points outside the bundle"
    if not (member.isfile() or member.isdir()):
        return f"'{member.name}' is a link or a device, not a file"
    return None


def _extract(data: bytes, source: Path, target: Path) -> None:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            members = tar.getmembers()
            for member in members:
                problem = _unsafe(member)
                if problem:
                    raise HiddenTestsError(f"{source}: refused: member {problem}")
            tar.extractall(target, members=members, filter="data")
    except (tarfile.TarError, OSError) as exc:
        raise HiddenTestsError(f"{source}: not a readable bundle of hidden tests: {exc}") from None


@contextmanager
def open_hidden_tests(path: Path, key: str | bytes | None) -> Iterator[Path]:
    """Yield a folder laid out as `<lab-id>/tests/hidden/...`.

    A folder is yielded as it is; a bundle is decrypted with `key` into a temporary
    folder that is removed when the block ends.
    """
    if path.is_dir():
        yield path
        return
    if not path.is_file():
        raise HiddenTestsError(f"hidden tests {path}: no such folder or bundle")
    if not key:
        raise HiddenTestsError(
            f"{path} is an encrypted bundle of hidden tests: give its key "
            "(labgrade reads it from LABGRADE_HIDDEN_TESTS_KEY)"
        )
    try:
        data = _fernet(key).decrypt(path.read_bytes())
    except InvalidToken:
        raise HiddenTestsError(
            f"{path}: the key does not open this bundle (a wrong key, or the file was changed)"
        ) from None
    with tempfile.TemporaryDirectory(prefix="labgrade-hidden-") as folder:
        _extract(data, path, Path(folder))
        yield Path(folder)
