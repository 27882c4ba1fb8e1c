"""The batch layer: recompute a view from the master dataset and publish it.

A batch view is a pure function of (master dataset, watermark): the rides per
(user, day of the ride) over every archived record with offset < watermark[partition].
It is built from scratch into a new version and then cut over, so publishing the
same watermark twice gives the same answers, and a reader never sees a half-built view.
"""

from __future__ import annotations

import sqlite3
from collections import Counter

from rides import master, store
from rides.events import day_of


def archived_positions(records: list[dict]) -> dict[int, int]:
    """Per partition, the first offset not in the master dataset (what it covers)."""
    out: dict[int, int] = {}
    for record in records:
        p = int(record["partition"])
        out[p] = max(out.get(p, 0), int(record["offset"]) + 1)
    return out


def build_counts(records: list[dict], watermark: dict[int, int]) -> tuple[Counter, int]:
    """Rides per (user, day) over the records the watermark covers; and how many records.

    The watermark follows Kafka's convention for positions: watermark[p] is the first
    offset *not* covered.  The speed layer counts offsets >= watermark[p], so the
    batch view takes offsets < watermark[p]: every record on exactly one side.
    """
    counts: Counter = Counter()
    n = 0
    for record in records:
        if int(record["offset"]) < watermark.get(int(record["partition"]), 0):
            counts[(record["user_id"], day_of(float(record["event_time"])))] += 1
            n += 1
    return counts, n


def publish(conn: sqlite3.Connection, watermark: dict[int, int] | None = None) -> dict:
    """Build a batch view up to `watermark` (default: all of the master dataset); go live."""
    records = list(master.read_all())
    if watermark is None:
        watermark = archived_positions(records)
    counts, n = build_counts(records, watermark)
    version = store.begin_version(conn, "batch")
    try:
        store.write_counts(conn, version, counts)
        store.cut_over(conn, version, watermark, n)
    except BaseException:
        store.abandon_version(conn, version)
        raise
    return {
        "version": version,
        "watermark": {str(p): off for p, off in sorted(watermark.items())},
        "events": n,
    }
