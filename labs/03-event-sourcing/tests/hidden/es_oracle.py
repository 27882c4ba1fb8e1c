"""Trusted helpers for the hidden checks of lab 03: the oracle and patient polling.

The oracle is written from the lab's definition, independently of any solution:
an account's state is the sum of its signed amounts, the count of its events and
the latest event time, over whichever events the question selects.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import httpx

TOPIC = "account-events"
SIGN = {"deposit": 1, "withdrawal": -1, "fee": -1}


def new_account(tag: str) -> str:
    """A fresh account id, so tests (and hypothesis examples) never share state."""
    return f"{tag}-{uuid.uuid4().hex[:12]}"


def fold(events: Iterable[dict]) -> dict[str, dict]:
    """account_id -> {balance, n_events}: the from-scratch replay."""
    out: dict[str, dict] = {}
    for e in events:
        s = out.setdefault(e["account_id"], {"balance": 0, "n_events": 0})
        s["balance"] += SIGN[e["type"]] * int(e["amount"])
        s["n_events"] += 1
    return out


def state_of(events: Iterable[dict], account_id: str) -> dict:
    return fold(events).get(account_id, {"balance": 0, "n_events": 0})


def log_events(kafka, accounts: set[str] | None = None) -> list[dict]:
    """Every event in the topic (optionally of some accounts), read back from Kafka."""
    out = []
    for record in kafka.consume_all(TOPIC, timeout_s=20):
        event = json.loads(record.value)
        if accounts is None or event["account_id"] in accounts:
            out.append(event)
    return out


def brief(state: dict | None) -> dict | None:
    """The compared part of an account state."""
    if state is None:
        return None
    return {"balance": state["balance"], "n_events": state["n_events"]}


def client(services) -> httpx.Client:
    return httpx.Client(base_url=services.url("api"), timeout=15)


def post_event(http: httpx.Client, account_id: str, type_: str, amount: int, t: float) -> dict:
    r = http.post(
        "/events",
        json={"account_id": account_id, "type": type_, "amount": amount, "event_time": t},
    )
    assert r.status_code // 100 == 2, (
        f"POST /events was refused ({r.status_code}: {r.text[:200]}); the API contract "
        "accepts {account_id, type, amount (integer cents), event_time (epoch seconds)}"
    )
    return r.json()


def account(http: httpx.Client, account_id: str, as_of: float | None = None) -> dict | None:
    params = {} if as_of is None else {"as_of": as_of}
    r = http.get(f"/accounts/{account_id}", params=params)
    if r.status_code == 404 and as_of is None:
        return None
    assert r.status_code == 200, f"GET /accounts/{account_id} answered {r.status_code}"
    return r.json()


def all_accounts(http: httpx.Client) -> dict[str, dict]:
    r = http.get("/accounts")
    assert r.status_code == 200, f"GET /accounts answered {r.status_code}"
    return {a["account_id"]: brief(a) for a in r.json()["accounts"]}


def settle(
    observe: Callable[[], Any],
    expected: Any,
    stable_s: float = 2.0,
    max_s: float = 25.0,
    interval_s: float = 0.1,
) -> Any:
    """Poll until the observation equals `expected`, or has not changed for `stable_s`.

    A correct system converges quickly; a wrong one settles on a wrong answer, and
    then we stop waiting after `stable_s` instead of a long time-out.
    """
    deadline = time.monotonic() + max_s
    last = observe()
    last_change = time.monotonic()
    while last != expected and time.monotonic() < deadline:
        time.sleep(interval_s)
        now = observe()
        if now != last:
            last, last_change = now, time.monotonic()
        elif time.monotonic() - last_change >= stable_s:
            break
    return last


def wait_projected(http: httpx.Client, counts: dict[str, int], max_s: float = 15.0) -> None:
    """Wait until each account shows the given number of events (at least that many)."""
    deadline = time.monotonic() + max_s
    missing = dict(counts)
    while missing and time.monotonic() < deadline:
        for acc, n in list(missing.items()):
            state = account(http, acc)
            if state is not None and state["n_events"] >= n:
                del missing[acc]
        if missing:
            time.sleep(0.05)
    assert not missing, (
        f"the projector did not apply the events of {len(missing)} account(s) within {max_s:g} s "
        "(GET /accounts/{id} did not show them): is the projector consuming the topic?"
    )
