"""Finding labs: by number (`03`), folder name (`03-event-sourcing`) or path.

A path lets an instructor develop a lab outside this repository.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from grader.lab.manifest import Manifest, ManifestError, parse_manifest

LABS_ENV = "LABGRADE_LABS"


class LabNotFound(Exception):
    """No lab matches what the user typed; the message lists what exists."""


@dataclass(frozen=True)
class Lab:
    path: Path
    manifest: Manifest

    @property
    def id(self) -> str:
        return self.manifest.lab.id

    @property
    def number(self) -> str:
        return self.id[:2]

    @property
    def manifest_path(self) -> Path:
        return self.path / "lab.toml"


def labs_root() -> Path:
    configured = os.environ.get(LABS_ENV)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "labs"


def lab_folders(root: Path | None = None) -> list[Path]:
    root = root or labs_root()
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / "lab.toml").is_file())


def load_lab(folder: Path) -> Lab:
    manifest = parse_manifest(folder / "lab.toml")
    if manifest.lab.id != folder.name and folder.parent == labs_root():
        raise ManifestError(
            f"{folder / 'lab.toml'}: key 'lab.id': expected \"{folder.name}\" (the folder's "
            f'name), got "{manifest.lab.id}"'
        )
    return Lab(folder.resolve(), manifest)


def resolve_lab(ref: str) -> Lab:
    """Raise LabNotFound or ManifestError; never guess between two labs."""
    return load_lab(find_lab_folder(ref))


def find_lab_folder(ref: str) -> Path:
    """The folder `ref` names, without reading its manifest (lint reports every problem
    of a broken one); raise LabNotFound."""
    as_path = Path(ref)
    if as_path.is_dir() and (as_path / "lab.toml").is_file():
        return as_path
    folders = lab_folders()
    matches = [f for f in folders if f.name == ref or f.name.split("-", 1)[0] == ref.zfill(2)]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(f.name for f in folders) or "none"
    if len(matches) > 1:
        raise LabNotFound(f"'{ref}' matches {', '.join(m.name for m in matches)}: name one")
    if as_path.exists():
        raise LabNotFound(f"{ref} is not a lab folder (it has no lab.toml)")
    raise LabNotFound(f"no lab '{ref}' (labs: {known})")
