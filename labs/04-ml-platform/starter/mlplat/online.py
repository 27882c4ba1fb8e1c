"""The online store: each restaurant's recent events in memory, read at request time.

Events arrive through the gateway (and, at start-up, from the offline store).  The
serving team wrote their own fast feature code here, so that a request does not
have to go through the offline store's machinery.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable


class OnlineStore:
    def __init__(self) -> None:
        self._events: dict[str, list[tuple[float, float, int]]] = {}
        self._lock = threading.Lock()

    def add(self, restaurant_id: str, event_time: float, prep_s: float, items: int) -> None:
        with self._lock:
            self._events.setdefault(restaurant_id, []).append(
                (float(event_time), float(prep_s), int(items))
            )

    def load(self, events: Iterable[tuple[str, float, float, int]]) -> int:
        n = 0
        for restaurant_id, event_time, prep_s, items in events:
            self.add(restaurant_id, event_time, prep_s, items)
            n += 1
        return n

    def features(self, restaurant_id: str, at: float) -> dict[str, float]:
        with self._lock:
            events = list(self._events.get(restaurant_id, []))
        last_30m = [e for e in events if at - 1800 <= e[0] <= at]
        last_hour = [e for e in events if at - 3600 <= e[0] <= at]
        last_day = [e for e in events if at - 86400 <= e[0] <= at]
        last_2h = [e for e in events if at - 7200 <= e[0] <= at]
        mean_prep = sum(e[1] for e in last_hour) / len(last_hour) if last_hour else 0.0
        return {
            "orders_30m": float(len(last_30m)),
            "mean_prep_60m": mean_prep,
            "log_orders_24h": math.log(len(last_day)) if last_day else 0.0,
            "items_2h": float(sum(e[2] for e in last_2h)),
        }
