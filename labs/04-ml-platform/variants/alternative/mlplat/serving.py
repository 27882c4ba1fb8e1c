"""Which model serves: `@champion`, checked lazily on the request path with a TTL.

The first request after the TTL expired asks the registry (only one request does,
the others keep using the current model).  A new version is loaded in a side
thread and published when complete; until then the old one keeps answering.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, NamedTuple

from mlplat import config, registry

log = logging.getLogger("mlplat.serving")
TTL_S = 0.5


class Deployed(NamedTuple):
    model: str
    version: str
    estimator: Any


class ChampionFollower:
    def __init__(self, model: str = config.MODEL) -> None:
        self.model = model
        self._current: Deployed | None = None
        self._checked = 0.0
        self._checking = threading.Lock()

    @property
    def deployed(self) -> Deployed | None:
        if time.monotonic() - self._checked > TTL_S and self._checking.acquire(blocking=False):
            self._checked = time.monotonic()
            threading.Thread(target=self._check, daemon=True).start()
        return self._current

    def _check(self) -> None:
        try:
            version = registry.champion_version(self.model)
            if version is not None and (self._current is None or self._current.version != version):
                self._current = Deployed(
                    self.model, version, registry.load_model(self.model, version)
                )
                log.warning("now serving %s version %s", self.model, version)
        except Exception as exc:
            log.warning("alias check failed, keeping the current model: %s", exc)
        finally:
            self._checked = time.monotonic()
            self._checking.release()

    def start(self) -> None:
        self._checking.acquire()
        self._check()

    def stop(self) -> None:
        pass
