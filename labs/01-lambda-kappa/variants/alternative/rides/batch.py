"""The batch layer, written with pandas: a view is (master dataset, watermark) -> counts.

The watermark is exclusive: it names, per partition, the first offset the view does
not hold.  Records at or above it are the speed layer's.
"""

from __future__ import annotations

import sqlite3

import pandas as pd
from rides import master, store
from rides.events import DAY_S


def publish(conn: sqlite3.Connection, watermark: dict[int, int] | None = None) -> dict:
    frame = pd.DataFrame(
        list(master.read_all()), columns=["partition", "offset", "user_id", "event_time"]
    )
    if watermark is None:
        watermark = {
            int(p): int(o) + 1 for p, o in frame.groupby("partition")["offset"].max().items()
        }
    limit = frame["partition"].map(lambda p: watermark.get(int(p), 0))
    covered = frame[frame["offset"] < limit]
    days = (covered["event_time"] // DAY_S).astype("int64")
    counts = covered.assign(day=days).groupby(["user_id", "day"]).size()
    version = store.begin_version(conn, "batch")
    try:
        store.write_counts(
            conn, version, {(str(u), int(d)): int(n) for (u, d), n in counts.items()}
        )
        store.cut_over(conn, version, watermark, len(covered))
    except BaseException:
        store.abandon_version(conn, version)
        raise
    return {
        "version": version,
        "watermark": {str(p): o for p, o in sorted(watermark.items())},
        "events": len(covered),
    }
