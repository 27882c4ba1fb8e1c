"""The SQLite projection: a disposable, rebuildable view of the event log.

Tables
  events    the projector's copy of the log, one row per applied event (for replays)
  accounts  current state per account (the fold of all its events)
  features  ML features per account, one row per distinct event time: the account's
            state as of that event time.  A training set looks these up by time.

The api only reads; the projector is the only writer.  WAL mode lets the api read
while the projector writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from ledger import config
from ledger.events import AccountState, Event, apply, replay

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id     TEXT NOT NULL,
    account_id   TEXT NOT NULL,
    type         TEXT NOT NULL,
    amount       INTEGER NOT NULL,
    event_time   REAL NOT NULL,   -- when it happened (set by the client)
    ingested_at  REAL NOT NULL,   -- when it reached the log (Kafka record timestamp)
    partition    INTEGER NOT NULL,
    "offset"     INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_event_time ON events (account_id, event_time);
CREATE INDEX IF NOT EXISTS events_by_ingested_at ON events (account_id, ingested_at);

CREATE TABLE IF NOT EXISTS accounts (
    account_id      TEXT PRIMARY KEY,
    balance         INTEGER NOT NULL,
    n_events        INTEGER NOT NULL,
    last_event_time REAL
);

CREATE TABLE IF NOT EXISTS features (
    account_id  TEXT NOT NULL,
    feature_ts  REAL NOT NULL,
    balance     INTEGER NOT NULL,
    n_events    INTEGER NOT NULL,
    PRIMARY KEY (account_id, feature_ts)
);
"""


def connect(path: str | None = None, create: bool = False) -> sqlite3.Connection:
    """Open the projection; autocommit mode, so transactions are explicit BEGINs.

    `create=True` also switches on WAL and creates missing tables (done once at start).
    """
    conn = sqlite3.connect(
        path or config.projection_db(),
        timeout=30,
        isolation_level=None,
        check_same_thread=False,  # FastAPI may open and close it in different worker threads
    )
    conn.row_factory = sqlite3.Row
    if create:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(SCHEMA)
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """All or nothing: a crash inside leaves the projection as it was before."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# ---------------------------------------------------------------- writing (projector)


def write_event(
    conn: sqlite3.Connection, event: Event, ingested_at: float, partition: int, offset: int
) -> None:
    """Apply one event to every table.  Call inside a transaction."""
    conn.execute(
        "INSERT INTO events (event_id, account_id, type, amount, event_time, ingested_at,"
        ' partition, "offset") VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        (
            event.event_id,
            event.account_id,
            event.type,
            event.amount,
            event.event_time,
            ingested_at,
            partition,
            offset,
        ),
    )
    state = apply(get_account(conn, event.account_id) or AccountState(event.account_id), event)
    conn.execute(
        "INSERT INTO accounts (account_id, balance, n_events, last_event_time)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (account_id) DO UPDATE SET"
        " balance = excluded.balance, n_events = excluded.n_events,"
        " last_event_time = excluded.last_event_time",
        (state.account_id, state.balance, state.n_events, state.last_event_time),
    )
    _refresh_features(conn, event.account_id, since=event.event_time)


def _refresh_features(conn: sqlite3.Connection, account_id: str, since: float) -> None:
    """Recompute feature rows at and after `since`.

    Usually `since` is the newest event time and this writes one row.  A late event
    (event time before others already seen) changes the state as of every later
    event time, so those rows are rewritten too.
    """
    prev = conn.execute(
        "SELECT feature_ts, balance, n_events FROM features"
        " WHERE account_id = ? AND feature_ts < ? ORDER BY feature_ts DESC LIMIT 1",
        (account_id, since),
    ).fetchone()
    state = AccountState(account_id)
    if prev is not None:
        state = AccountState(account_id, prev["balance"], prev["n_events"], prev["feature_ts"])
    later = conn.execute(
        "SELECT * FROM events WHERE account_id = ? AND event_time >= ? ORDER BY event_time",
        (account_id, since),
    ).fetchall()
    for i, row in enumerate(later):
        state = apply(state, _event(row))
        last_at_this_time = i + 1 == len(later) or later[i + 1]["event_time"] != row["event_time"]
        if last_at_this_time:
            conn.execute(
                "INSERT OR REPLACE INTO features (account_id, feature_ts, balance, n_events)"
                " VALUES (?, ?, ?, ?)",
                (account_id, row["event_time"], state.balance, state.n_events),
            )


# ---------------------------------------------------------------- reading (api)


def _event(row: sqlite3.Row) -> Event:
    return Event(row["event_id"], row["account_id"], row["type"], row["amount"], row["event_time"])


def _state(row: sqlite3.Row) -> AccountState:
    return AccountState(row["account_id"], row["balance"], row["n_events"], row["last_event_time"])


def get_account(conn: sqlite3.Connection, account_id: str) -> AccountState | None:
    row = conn.execute("SELECT * FROM accounts WHERE account_id = ?", (account_id,)).fetchone()
    return _state(row) if row else None


def list_accounts(conn: sqlite3.Connection) -> list[AccountState]:
    rows = conn.execute("SELECT * FROM accounts ORDER BY account_id").fetchall()
    return [_state(row) for row in rows]


def as_of(conn: sqlite3.Connection, account_id: str, t: float) -> AccountState:
    """The account's state as of time `t`: replay the events that had happened by then."""
    rows = conn.execute(
        "SELECT * FROM events WHERE account_id = ? AND event_time <= ? ORDER BY event_time",
        (account_id, t),
    ).fetchall()
    return replay(account_id, (_event(row) for row in rows))


def feature_history(conn: sqlite3.Connection, account_id: str) -> list[sqlite3.Row]:
    """All feature rows of one account, oldest first."""
    return conn.execute(
        "SELECT feature_ts, balance, n_events FROM features"
        " WHERE account_id = ? ORDER BY feature_ts",
        (account_id,),
    ).fetchall()
