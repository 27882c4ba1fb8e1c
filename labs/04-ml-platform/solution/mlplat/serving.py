"""Which model serves: the version `@champion` points at, followed without restarts.

A background thread asks the registry every ALIAS_POLL_S seconds where the alias
points.  When it moved, the new version is loaded *first* and then swapped in with
one assignment of an immutable (version, model) pair, so a request sees either the
old pair or the new one, never a version number with another version's model.  If
the registry cannot be reached, the current model keeps serving.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from mlplat import config, registry

log = logging.getLogger("mlplat.serving")


@dataclass(frozen=True)
class Deployed:
    model: str
    version: str
    estimator: Any


class ChampionFollower:
    def __init__(self, model: str = config.MODEL, poll_s: float = config.ALIAS_POLL_S) -> None:
        self.model = model
        self.poll_s = poll_s
        self.deployed: Deployed | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def refresh(self) -> None:
        version = registry.champion_version(self.model)
        current = self.deployed
        if version is None or (current is not None and current.version == version):
            return
        estimator = registry.load_model(self.model, version)  # load before the swap
        self.deployed = Deployed(self.model, version, estimator)
        log.warning(
            "serving %s version %s (was %s)", self.model, version, current and current.version
        )

    def _run(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                self.refresh()
            except Exception as exc:  # the registry is down: keep serving what we have
                log.warning("could not follow @%s: %s", config.CHAMPION, exc)

    def start(self) -> None:
        self.refresh()
        self._thread = threading.Thread(target=self._run, name="champion-follower", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
