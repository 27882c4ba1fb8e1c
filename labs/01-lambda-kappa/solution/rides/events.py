"""The ride event and the one notion of time every layer must agree on: the ride's day.

A ride's `event_time` is when it happened (epoch seconds, set by the app on the
phone).  It can reach the topic minutes or days later: phones go offline, uploads
are retried.  Features are counts per *day the ride happened* (UTC).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import asdict, dataclass

DAY_S = 86_400


def day_of(t: float) -> int:
    """The UTC day (days since 1970-01-01) that the epoch time `t` falls on."""
    return int(t // DAY_S)


def day_of_date(date: dt.date) -> int:
    return (date - dt.date(1970, 1, 1)).days


def date_of_day(day: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=day)


@dataclass(frozen=True)
class Ride:
    """One completed ride of one user."""

    event_id: str
    user_id: str
    event_time: float

    @staticmethod
    def new(user_id: str, event_time: float) -> Ride:
        return Ride(uuid.uuid4().hex, user_id, float(event_time))

    def to_json(self) -> bytes:
        return json.dumps(asdict(self)).encode()

    @staticmethod
    def from_json(raw: bytes) -> Ride:
        data = json.loads(raw)
        return Ride(
            event_id=str(data["event_id"]),
            user_id=str(data["user_id"]),
            event_time=float(data["event_time"]),
        )
