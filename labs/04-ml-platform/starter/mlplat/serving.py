"""Which model serves: the newest registered version, loaded when the gateway starts."""

from __future__ import annotations

import logging
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
    def __init__(self, model: str = config.MODEL) -> None:
        self.model = model
        self.deployed: Deployed | None = None

    def start(self) -> None:
        versions = registry.client().search_model_versions(
            f"name = '{config.full_name(self.model)}'"
        )
        latest = str(max(int(v.version) for v in versions))
        self.deployed = Deployed(self.model, latest, registry.load_model(self.model, latest))
        log.warning("serving %s version %s", self.model, latest)

    def stop(self) -> None:
        pass
