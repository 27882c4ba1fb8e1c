"""The online store: each restaurant's recent events in memory, read at request time.

Events arrive through the gateway (and, at start-up, from the offline store).  A
read computes the features as of the request time with the platform's one feature
implementation (`mlplat.features`), over the events with event_time <= that time.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable

import numpy as np

from mlplat import features


class _Buffer:
    __slots__ = ("items", "prep", "times")

    def __init__(self) -> None:
        self.times: list[float] = []
        self.prep: list[float] = []
        self.items: list[float] = []


class OnlineStore:
    def __init__(self) -> None:
        self._buffers: dict[str, _Buffer] = {}
        self._lock = threading.Lock()

    def add(self, restaurant_id: str, event_time: float, prep_s: float, items: int) -> None:
        with self._lock:
            buf = self._buffers.setdefault(restaurant_id, _Buffer())
            i = bisect.bisect_right(buf.times, event_time)  # late events go to their place
            buf.times.insert(i, float(event_time))
            buf.prep.insert(i, float(prep_s))
            buf.items.insert(i, float(items))

    def load(self, events: Iterable[tuple[str, float, float, int]]) -> int:
        n = 0
        for restaurant_id, event_time, prep_s, items in events:
            self.add(restaurant_id, event_time, prep_s, items)
            n += 1
        return n

    def features(self, restaurant_id: str, at: float) -> dict[str, float]:
        with self._lock:
            buf = self._buffers.get(restaurant_id) or _Buffer()
            times = np.array(buf.times)
            columns = {"prep_s": np.array(buf.prep), "items": np.array(buf.items)}
        return features.as_dict(features.compute(times, columns, [at])[0])
