"""The report folder of one run: claimed for the whole run, replaced whole at the end.

Two runs into one folder would both succeed and the last would win; a run
interrupted half-way would leave the previous `result.json` beside its own logs.
So a run first claims its folder (an advisory lock on a file inside it, which the
kernel releases when the process dies, even by SIGKILL), writes every report and
log into a staging folder inside it, and only then swaps the staging folder's
contents in for the old ones.  A second run into a claimed folder is refused at
once.  A folder that holds files labgrade did not write is never emptied: the
caller chose the wrong `--out`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

LOCK_NAME = ".labgrade.lock"
STAGING_PREFIX = ".incoming-"
RETIRED_PREFIX = ".retired-"
RESULT_NAME = "result.json"


class ReportFolderError(Exception):
    """The folder cannot take this run's reports; the message says why and what to do."""


@contextmanager
def claimed(folder: Path) -> Iterator[None]:
    """While inside, this process and no other writes into `folder`.

    An advisory lock (flock) on a file inside it, released on leaving and by the
    kernel when the process dies, even by SIGKILL: a crashed run never blocks the next.
    """
    handle = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(handle, 200).decode(errors="replace").strip() or "another run"
        os.close(handle)
        raise ReportFolderError(
            f"{folder} is in use by another labgrade run ({holder}): wait for it to "
            "finish, or choose another --out"
        ) from None
    try:
        started = dt.datetime.now().isoformat(timespec="seconds")
        os.ftruncate(handle, 0)
        os.write(handle, f"pid {os.getpid()}, started {started}\n".encode())
        yield
    finally:
        with contextlib.suppress(OSError):
            os.ftruncate(handle, 0)
        os.close(handle)


def prepare(folder: Path, ours: frozenset[str]) -> None:
    """Create `folder`, or check that an existing one is labgrade's to write into:
    empty, or holding one of the names in `ours` (or a claim)."""
    if folder.exists() and not folder.is_dir():
        raise ReportFolderError(f"{folder} is a file, not a folder for reports")
    if folder.is_dir():
        names = {entry.name for entry in folder.iterdir()}
        if names and not names & (ours | {LOCK_NAME}):
            raise ReportFolderError(
                f"{folder} holds files labgrade did not write, which its reports would "
                "replace: name a new or empty folder (--out)"
            )
    folder.mkdir(parents=True, exist_ok=True)


class ReportFolder:
    """`with ReportFolder(path) as folder:` write into `folder.staging`, then
    `folder.publish()`; leaving without publishing keeps the previous reports."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.staging = path / f"{STAGING_PREFIX}{uuid.uuid4().hex[:8]}"
        self._claim = claimed(path)
        self.published = False

    def __enter__(self) -> ReportFolder:
        prepare(self.path, frozenset({RESULT_NAME}))
        self._claim.__enter__()
        try:
            for leftover in [
                *self.path.glob(f"{STAGING_PREFIX}*"),  # an earlier run's, killed mid-way
                *self.path.glob(f"{RETIRED_PREFIX}*"),
            ]:
                shutil.rmtree(leftover, ignore_errors=True)
            self.staging.mkdir()
        except BaseException:
            self._claim.__exit__(None, None, None)
            raise
        return self

    def publish(self) -> None:
        """Put the staging folder's contents in place of the previous reports."""
        retired = self.path / f"{RETIRED_PREFIX}{self.staging.name.removeprefix(STAGING_PREFIX)}"
        retired.mkdir()
        for entry in self.path.iterdir():
            if entry.name != LOCK_NAME and entry not in (self.staging, retired):
                entry.rename(retired / entry.name)
        for entry in self.staging.iterdir():
            entry.rename(self.path / entry.name)
        self.staging.rmdir()
        shutil.rmtree(retired, ignore_errors=True)
        self.published = True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self.published:
            shutil.rmtree(self.staging, ignore_errors=True)
        self._claim.__exit__(None, None, None)  # releases the claim

    def reports(self) -> list[Path]:
        """The published reports (files at the top; logs and the claim left out)."""
        if not self.path.is_dir():
            return []
        return sorted(p for p in self.path.iterdir() if p.is_file() and not p.name.startswith("."))
