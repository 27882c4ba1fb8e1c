"""The seeded order history the feature store starts with (deterministic: same seed, same rows).

Two days of orders for 20 restaurants, ending at HISTORY_END.  Every historical order
carries its label, `delivery_min` (known once the order was delivered).  The last
HOLDOUT_S seconds of history are the fixed holdout every promotion is judged on.
"""

from __future__ import annotations

import numpy as np

SEED = 20260101
HISTORY_END = 1767225600.0  # 2026-01-01T00:00:00Z
HISTORY_S = 2 * 86400
HOLDOUT_S = 8 * 3600
RESTAURANTS = [f"r{i:02d}" for i in range(20)]


def seed_history() -> list[tuple[str, float, float, int, float]]:
    """(restaurant_id, event_time, prep_s, items, delivery_min) rows, sorted by time."""
    rng = np.random.default_rng(SEED)
    rows = []
    start = HISTORY_END - HISTORY_S
    for restaurant in RESTAURANTS:
        per_hour = rng.uniform(2, 14)
        base_prep = rng.uniform(300, 900)
        t = start
        recent: list[float] = []
        while True:
            hour = (t % 86400) / 3600
            rush = (
                1.0
                + 1.5 * np.exp(-((hour - 12.5) ** 2) / 2)
                + 2.0 * np.exp(-((hour - 19.5) ** 2) / 3)
            )
            t += rng.exponential(3600 / (per_hour * rush))
            if t >= HISTORY_END:
                break
            t = round(t, 3)
            recent = [r for r in recent if r > t - 1800] + [t]
            items = int(1 + rng.poisson(2))
            prep = float(round(base_prep * (1 + 0.05 * len(recent)) + rng.normal(0, 60), 2))
            prep = max(prep, 60.0)
            delivery = 10 + 0.6 * len(recent) + prep / 60 + 0.5 * items + rng.normal(0, 2.0)
            rows.append((restaurant, t, prep, items, float(round(delivery, 3))))
    rows.sort(key=lambda r: (r[1], r[0]))
    return rows
