"""Trusted helpers for the hidden checks of lab 02: the contract's numbers, calls to the
gateway, and `heal`, which puts every test on a healthy starting line.

The contract's numbers (deadline, k, reset timeout, retries, fallback score) are read
from the gateway's environment in lab.toml, the same values the gateway is started
with, so the manifest is their single source.
"""

from __future__ import annotations

import time
import tomllib
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

LAB_DIR = Path(__file__).resolve().parents[2]
SUPPORT = ("features", "model", "monitoring")


def _gateway_env() -> dict[str, str]:
    manifest = tomllib.loads((LAB_DIR / "lab.toml").read_text(encoding="utf-8"))
    return next(s for s in manifest["service"] if s["name"] == "gateway")["env"]


_ENV = _gateway_env()
DEADLINE_S = float(_ENV["DEADLINE_S"])
MODEL_TIMEOUT_S = float(_ENV["MODEL_TIMEOUT_S"])
MAX_RETRIES = int(_ENV["MAX_RETRIES"])
K = int(_ENV["BREAKER_FAILURES"])
RESET_S = float(_ENV["BREAKER_RESET_S"])
FALLBACK_SCORE = float(_ENV["FALLBACK_SCORE"])
BOUND_S = DEADLINE_S + 0.5  # the deadline plus slack for a busy grading machine
FAST_S = 0.5  # "did not wait on anything": an answer with no downstream wait


@dataclass
class Answer:
    status: int
    body: dict
    seconds: float

    @property
    def degraded(self) -> bool:
        return self.status == 200 and self.body.get("degraded") is True

    @property
    def healthy(self) -> bool:
        return self.status == 200 and self.body.get("degraded") is False

    def brief(self) -> str:
        if self.status == 0:
            return f"no answer within {self.seconds:.1f} s"
        if self.status == -1:
            return f"no answer: the connection broke ({self.body['error'][:80]})"
        shown = {k: self.body.get(k) for k in ("score", "degraded", "reason") if k in self.body}
        return f"{self.status} {shown or str(self.body)[:120]} after {self.seconds:.2f} s"


def new_entity(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:10]}"


def gateway(services) -> httpx.Client:
    """A client without keep-alive: a gateway that crashed on one request and closed its
    connection must not make the next request fail on a stale connection."""
    return client_for(services.url("gateway"))


def client_for(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=10, limits=httpx.Limits(max_keepalive_connections=0))


def predict(http: httpx.Client, entity_id: str | None = None) -> Answer:
    started = time.monotonic()
    try:
        r = http.post("/predict", json={"entity_id": entity_id or new_entity("h")})
    except httpx.TimeoutException:
        return Answer(0, {}, time.monotonic() - started)
    except httpx.TransportError as exc:
        return Answer(-1, {"error": f"{type(exc).__name__}: {exc}"}, time.monotonic() - started)
    seconds = time.monotonic() - started
    try:
        body = r.json()
    except ValueError:
        body = {"text": r.text[:200]}
    return Answer(r.status_code, body if isinstance(body, dict) else {"body": body}, seconds)


def predict_concurrently(url: str, n: int) -> list[Answer]:
    """n predictions sent at the same moment, each on its own connection."""

    def one(_: int) -> Answer:
        with client_for(url) as http:
            return predict(http)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def wait_stable(read, quiet_s: float = 0.3, max_s: float = 5.0) -> int:
    """Poll a counter until it has not changed for quiet_s (calls still in flight land)."""
    deadline = time.monotonic() + max_s
    last, since = read(), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = read()
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            break
    return last


def heal(services, faults) -> None:
    """Clear every fault and wait until the gateway answers healthy predictions again.

    A breaker that a previous test opened closes after its reset timeout; a gateway
    that stays broken with healthy dependencies is restarted, so one test's damage
    never costs the points of the next.
    """
    for name in SUPPORT:
        faults.clear(name)
    with gateway(services) as http:
        deadline = time.monotonic() + RESET_S + 1.5
        while time.monotonic() < deadline:
            if predict(http).healthy:
                break
            time.sleep(0.1)
        else:
            services.restart("gateway")
            answer = predict(http)
            assert answer.healthy, (
                "with every dependency healthy, a freshly started gateway answered "
                f"{answer.brief()}: POST /predict must return 200 with degraded: false"
            )
    wait_stable(lambda: faults.calls("monitoring"))
    for name in SUPPORT:
        faults.reset_calls(name)
