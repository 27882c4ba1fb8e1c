"""The serving database (SQLite): the speed view, versioned batch views, the serving pointer.

Tables
  speed_events     the speed layer's view: one row per ride it consumed, with the
                   ride's position in the log and the day it is counted in
  views            one row per view version: how it was built (batch, replay) and
                   its status (building, live, retired)
  view_v{N}        the counts of view version N: rides per (user, day)
  view_watermarks  what each version covers: per partition, the first offset it does
                   *not* contain (Kafka's "next offset" convention), so version N holds
                   exactly the records with offset < next_offset
  serving          one row: the version readers use.  Switching it is the cut-over.

A view version is built completely before anyone reads it and never changes after
it went live: readers see either the old version or the new one, never a mix.
WAL mode lets the api read while the speed layer and the jobs write.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from rides import config

SCHEMA = """
CREATE TABLE IF NOT EXISTS speed_events (
    partition     INTEGER NOT NULL,
    "offset"      INTEGER NOT NULL,
    user_id       TEXT NOT NULL,
    event_time    REAL NOT NULL,
    day           INTEGER NOT NULL,   -- the day the speed layer counts this ride in
    processed_at  REAL NOT NULL,
    PRIMARY KEY (partition, "offset")
);
CREATE INDEX IF NOT EXISTS speed_by_user_day ON speed_events (user_id, day);

CREATE TABLE IF NOT EXISTS views (
    version     INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,        -- empty | batch | replay
    status      TEXT NOT NULL,        -- building | live | retired | failed
    created_at  REAL NOT NULL,
    events      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS view_watermarks (
    version      INTEGER NOT NULL,
    partition    INTEGER NOT NULL,
    next_offset  INTEGER NOT NULL,
    PRIMARY KEY (version, partition)
);

CREATE TABLE IF NOT EXISTS serving (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  INTEGER NOT NULL
);
"""

KEEP_VERSIONS = 3  # the live one and a few before it (for a rollback); older tables are dropped


def connect(path: str | None = None, create: bool = False) -> sqlite3.Connection:
    """Open the serving database; autocommit mode, so transactions are explicit BEGINs.

    `create=True` also switches on WAL, creates missing tables and, in a new
    database, an empty first view version that is live.
    """
    conn = sqlite3.connect(
        path or config.serving_db(),
        timeout=30,
        isolation_level=None,
        check_same_thread=False,  # FastAPI may open and close it in different worker threads
    )
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA synchronous=NORMAL")
    if create:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(SCHEMA)
        with transaction(conn):
            if conn.execute("SELECT 1 FROM serving").fetchone() is None:
                _create_view_table(conn, 1)
                conn.execute(
                    "INSERT INTO views (version, kind, status, created_at) VALUES (1, 'empty',"
                    " 'live', ?)",
                    (time.time(),),
                )
                conn.execute("INSERT INTO serving (id, version) VALUES (1, 1)")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction: all or nothing."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def snapshot(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A read transaction: every SELECT inside sees the same committed state."""
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        conn.execute("COMMIT")


# ---------------------------------------------------------------- view versions


def view_table(version: int) -> str:
    return f"view_v{int(version)}"


def _create_view_table(conn: sqlite3.Connection, version: int) -> None:
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {view_table(version)} ("
        " user_id TEXT NOT NULL, day INTEGER NOT NULL, rides INTEGER NOT NULL,"
        " PRIMARY KEY (user_id, day)) WITHOUT ROWID"
    )


def live_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT version FROM serving WHERE id = 1").fetchone()["version"])


def view_info(conn: sqlite3.Connection, version: int) -> sqlite3.Row:
    return conn.execute("SELECT * FROM views WHERE version = ?", (version,)).fetchone()


def watermark(conn: sqlite3.Connection, version: int) -> dict[int, int]:
    rows = conn.execute(
        "SELECT partition, next_offset FROM view_watermarks WHERE version = ?", (version,)
    ).fetchall()
    return {row["partition"]: row["next_offset"] for row in rows}


def begin_version(conn: sqlite3.Connection, kind: str) -> int:
    """Reserve the next version number and create its (empty, not yet served) table."""
    with transaction(conn):
        row = conn.execute("SELECT COALESCE(MAX(version), 0) + 1 AS v FROM views").fetchone()
        version = int(row["v"])
        conn.execute(
            "INSERT INTO views (version, kind, status, created_at) VALUES (?, ?, 'building', ?)",
            (version, kind, time.time()),
        )
        _create_view_table(conn, version)
    return version


def write_counts(
    conn: sqlite3.Connection, version: int, counts: dict[tuple[str, int], int]
) -> None:
    """Fill a version that is still building (nobody reads it yet)."""
    with transaction(conn):
        conn.executemany(
            f"INSERT INTO {view_table(version)} (user_id, day, rides) VALUES (?, ?, ?)",
            ((user, day, n) for (user, day), n in counts.items()),
        )


def cut_over(conn: sqlite3.Connection, version: int, covers: dict[int, int], events: int) -> None:
    """Make a fully built version the live one, in one transaction.

    Its watermark, its status and the serving pointer change together: a reader sees
    the old version with the old watermark or the new one with the new watermark.
    """
    with transaction(conn):
        conn.executemany(
            "INSERT INTO view_watermarks (version, partition, next_offset) VALUES (?, ?, ?)",
            ((version, int(p), int(n)) for p, n in covers.items()),
        )
        conn.execute(
            "UPDATE views SET status = 'retired' WHERE status = 'live' AND version != ?",
            (version,),
        )
        conn.execute(
            "UPDATE views SET status = 'live', events = ? WHERE version = ?", (events, version)
        )
        conn.execute("UPDATE serving SET version = ? WHERE id = 1", (version,))
        old = conn.execute(
            "SELECT version FROM views WHERE status = 'retired' ORDER BY version DESC"
        ).fetchall()
        for row in old[KEEP_VERSIONS - 1 :]:
            conn.execute(f"DROP TABLE IF EXISTS {view_table(row['version'])}")


def set_watermark(conn: sqlite3.Connection, version: int, covers: dict[int, int]) -> None:
    """Replace what a version says it covers."""
    with transaction(conn):
        conn.execute("DELETE FROM view_watermarks WHERE version = ?", (version,))
        conn.executemany(
            "INSERT INTO view_watermarks (version, partition, next_offset) VALUES (?, ?, ?)",
            ((version, int(p), int(n)) for p, n in covers.items()),
        )


def abandon_version(conn: sqlite3.Connection, version: int) -> None:
    """A job that failed: its version is never served."""
    with transaction(conn):
        conn.execute("UPDATE views SET status = 'failed' WHERE version = ?", (version,))
        conn.execute(f"DROP TABLE IF EXISTS {view_table(version)}")


# ---------------------------------------------------------------- speed view


def record_speed(conn: sqlite3.Connection, rows: Iterable[tuple]) -> None:
    """Add rides to the speed view: (partition, offset, user_id, event_time, day, processed_at).

    A redelivered record (same partition and offset) is ignored.
    """
    with transaction(conn):
        conn.executemany(
            'INSERT OR IGNORE INTO speed_events (partition, "offset", user_id, event_time, day,'
            " processed_at) VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )


def speed_positions(conn: sqlite3.Connection) -> dict[int, int]:
    """Per partition, the next offset the speed layer has not consumed yet."""
    rows = conn.execute(
        'SELECT partition, MAX("offset") + 1 AS next FROM speed_events GROUP BY partition'
    ).fetchall()
    return {row["partition"]: row["next"] for row in rows}
