"""Check group `alias`: serving follows `@champion` without a restart, and rolls back.

The grader moves the alias itself (as a release manager or a rollback script would)
and polls the gateway until it names the new version, for at most FOLLOW_S seconds.
The versions used are made on the trusted side: `shifted` predicts exactly 1.5 min
more than the original everywhere, so a response can be checked against the version
it names.
"""

from __future__ import annotations

import math
import threading
import time

from eta_oracle import BASE, MODEL, client, new_restaurant, predict, startups, wait_for_version

FOLLOW_S = 5.0
FOLLOW = (
    "Serving must follow the `@champion` alias of the registered model: ask the registry "
    "where the alias points (at least every second), load the new version, then swap it in "
    "atomically, without restarting the process. Loading a fixed or 'latest' version once "
    "at start-up turns every release and every rollback into a redeploy."
)


def _version_of(answer: dict) -> str | None:
    v = answer.get("model_version")
    return None if v is None else str(v)


def _flip(mlflow, http, rid: str, version: str) -> dict:
    mlflow.set_alias(MODEL, version)
    answer, _ = wait_for_version(http, rid, version, FOLLOW_S)
    assert answer is not None, (
        f"after `@champion` moved to version {version}, the gateway still did not name it in "
        f"its responses {FOLLOW_S:g} s later. " + FOLLOW
    )
    return answer


def test_responses_name_the_champion(services, mlflow, versions):
    http = client(services)
    answer = predict(http, new_restaurant("champ"), BASE)
    assert _version_of(answer) == versions["original"], (
        f"a prediction must say which model version made it (`model_version`); expected the "
        f"`@champion` version {versions['original']}, the response was {answer}"
    )


def test_alias_move_switches_serving_and_back(services, mlflow, versions):
    http = client(services)
    rid = new_restaurant("flip")
    before_start = startups(services)
    try:
        before = predict(http, rid, BASE)
        moved = _flip(mlflow, http, rid, versions["shifted"])
        assert math.isclose(moved["eta_minutes"], before["eta_minutes"] + 1.5, abs_tol=1e-6), (
            f"the response names version {versions['shifted']} but its prediction "
            f"({moved['eta_minutes']:.4f}) is not that version's: a response must come from "
            "the model it names (swap version and model together, after loading)"
        )
        for _ in range(15):
            assert _version_of(predict(http, rid, BASE)) == versions["shifted"], (
                "after switching to the new champion, the gateway went back to another version"
            )
        back = _flip(mlflow, http, rid, versions["original"])
        assert math.isclose(back["eta_minutes"], before["eta_minutes"], abs_tol=1e-6), (
            "after the rollback the predictions are not the original version's"
        )
    finally:
        mlflow.set_alias(MODEL, versions["original"])
    assert services.is_running("gateway") and startups(services) == before_start, (
        "the gateway restarted while following the alias: it must switch models in-process"
    )


def test_flips_under_traffic(services, mlflow, versions):
    """Predictions keep flowing while the alias moves back and forth: no 5xx, no stranger."""
    http = client(services)
    rid = new_restaurant("traffic")
    allowed = {versions["original"], versions["shifted"]}
    seen: dict[str, int] = {}
    errors: list[str] = []
    stop = threading.Event()

    def traffic() -> None:
        with client(services) as own:
            while not stop.is_set():
                try:
                    r = own.post("/predict", json={"restaurant_id": rid, "request_time": BASE})
                except Exception as exc:
                    errors.append(f"connection error {type(exc).__name__}")
                    continue
                if r.status_code != 200:
                    errors.append(f"HTTP {r.status_code}")
                    continue
                v = _version_of(r.json())
                seen[str(v)] = seen.get(str(v), 0) + 1

    workers = [threading.Thread(target=traffic) for _ in range(3)]
    for w in workers:
        w.start()
    try:
        for version in [versions["shifted"], versions["original"]] * 2:
            _flip(mlflow, http, rid, version)
            time.sleep(0.5)
    finally:
        stop.set()
        for w in workers:
            w.join(timeout=20)
        mlflow.set_alias(MODEL, versions["original"])
    assert not errors, (
        f"{len(errors)} prediction(s) failed while the alias moved ({errors[:3]}): an alias "
        "change must never interrupt serving; keep answering with the current model while the "
        "next one loads"
    )
    strangers = {v: n for v, n in seen.items() if v not in allowed}
    assert not strangers, (
        f"responses named versions {sorted(strangers)} while the alias only moved between "
        f"{sorted(allowed)}"
    )
