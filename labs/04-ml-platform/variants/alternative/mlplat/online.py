"""The online store: recent events per restaurant, kept sorted by event time.

Reads go through `mlplat.features.evaluate`, the same evaluator the offline store
uses for training data.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable

from mlplat import features


class OnlineStore:
    def __init__(self) -> None:
        self._rows: dict[str, tuple[list[float], dict[str, list[float]]]] = {}
        self._lock = threading.RLock()

    def add(self, restaurant_id: str, event_time: float, prep_s: float, items: int) -> None:
        with self._lock:
            times, columns = self._rows.setdefault(restaurant_id, ([], {"prep_s": [], "items": []}))
            at = bisect.bisect_right(times, float(event_time))
            times.insert(at, float(event_time))
            columns["prep_s"].insert(at, float(prep_s))
            columns["items"].insert(at, float(items))

    def load(self, events: Iterable[tuple[str, float, float, int]]) -> int:
        count = 0
        with self._lock:
            for event in events:
                self.add(*event)
                count += 1
        return count

    def features(self, restaurant_id: str, at: float) -> dict[str, float]:
        with self._lock:
            times, columns = self._rows.get(restaurant_id, ([], {"prep_s": [], "items": []}))
            times, columns = list(times), {k: list(v) for k, v in columns.items()}
        return features.evaluate(times, columns, float(at))
