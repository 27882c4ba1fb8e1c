"""The event model and the fold that turns a log of events into account state.

`apply` is pure: same state and event in, same state out, nothing else touched.
Current state, state as of a time T and every ML feature are all folds of
`apply` over some selection of the log; that is what makes them rebuildable.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import Literal

EventType = Literal["deposit", "withdrawal", "fee"]

# Money moves in integer cents: float sums depend on their order, cents do not.
SIGN: dict[str, int] = {"deposit": +1, "withdrawal": -1, "fee": -1}


@dataclass(frozen=True)
class Event:
    """One fact about an account.  `event_time` is when it happened (epoch seconds)."""

    event_id: str
    account_id: str
    type: EventType
    amount: int
    event_time: float

    @staticmethod
    def new(account_id: str, type: EventType, amount: int, event_time: float) -> Event:
        return Event(uuid.uuid4().hex, account_id, type, amount, float(event_time))

    def to_json(self) -> bytes:
        return json.dumps(asdict(self)).encode()

    @staticmethod
    def from_json(raw: bytes) -> Event:
        data = json.loads(raw)
        return Event(
            event_id=data["event_id"],
            account_id=data["account_id"],
            type=data["type"],
            amount=int(data["amount"]),
            event_time=float(data["event_time"]),
        )


@dataclass(frozen=True)
class AccountState:
    """What we know about an account after folding some events into it."""

    account_id: str
    balance: int = 0
    n_events: int = 0
    last_event_time: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def apply(state: AccountState, event: Event) -> AccountState:
    """Fold one event into the state.  Order-independent, so any replay order agrees."""
    last = event.event_time
    if state.last_event_time is not None:
        last = max(last, state.last_event_time)
    return replace(
        state,
        balance=state.balance + SIGN[event.type] * event.amount,
        n_events=state.n_events + 1,
        last_event_time=last,
    )


def replay(account_id: str, events: Iterable[Event]) -> AccountState:
    """State from scratch: the definition every stored state must agree with."""
    state = AccountState(account_id)
    for event in events:
        state = apply(state, event)
    return state
