"""The serving layer: answer a feature query by merging the live batch view and the speed view.

    rides(user, window) = batch view rides in the window      (records below the watermark)
                        + speed view rides in the window      (records at or above it)

The watermark of the live version splits the log into two disjoint parts, so every
ride is counted by exactly one of the two layers.
"""

from __future__ import annotations

import sqlite3

from rides import store


def features(conn: sqlite3.Connection, user_id: str, day: int, days: int) -> dict:
    """Rides of `user_id` on the `days` days ending with `day` (both ends included)."""
    first = day - days + 1
    with store.snapshot(conn):
        version = store.live_version(conn)
        batch = conn.execute(
            f"SELECT COALESCE(SUM(rides), 0) AS n FROM {store.view_table(version)}"
            " WHERE user_id = ? AND day BETWEEN ? AND ?",
            (user_id, first, day),
        ).fetchone()["n"]
        speed = conn.execute(
            "SELECT COUNT(*) AS n FROM speed_events AS s"
            " LEFT JOIN view_watermarks AS w ON w.version = ? AND w.partition = s.partition"
            ' WHERE s.user_id = ? AND s.day BETWEEN ? AND ? AND s."offset" >= COALESCE('
            "w.next_offset, 0)",
            (version, user_id, first, day),
        ).fetchone()["n"]
    return {
        "rides": int(batch) + int(speed),
        "from_batch": int(batch),
        "from_speed": int(speed),
        "version": version,
    }


def status(conn: sqlite3.Connection) -> dict:
    with store.snapshot(conn):
        version = store.live_version(conn)
        info = store.view_info(conn, version)
        return {
            "version": version,
            "kind": info["kind"],
            "events": info["events"],
            "watermark": {str(p): n for p, n in sorted(store.watermark(conn, version).items())},
            "speed": {str(p): n for p, n in sorted(store.speed_positions(conn).items())},
        }
