"""Child process entry: run one Locust scenario headless and write its statistics.

Locust (gevent) patches the standard library at import, so it must be imported
before anything imports requests/urllib3, and it must never run in the grader's own
process.  Invoked as `python -m grader.load.locust_main PLAN_JSON OUT_JSON`.
"""

import locust  # noqa: I001  (must come first: gevent monkey-patching)
import gevent

import importlib.util
import inspect
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from locust import events
from locust.env import Environment

from grader.load import figures
from grader.load.context import faults, services


def load_user_classes(locustfile: Path) -> list[type[locust.User]]:
    spec = importlib.util.spec_from_file_location("labgrade_locustfile", locustfile)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return [
        obj
        for obj in vars(module).values()
        if inspect.isclass(obj)
        and issubclass(obj, locust.User)
        and obj.__module__ == module.__name__
        and not getattr(obj, "abstract", False)
    ]


def entry_stats(entry: Any, seconds: float) -> dict[str, float]:
    return {
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "rps": entry.num_requests / seconds if seconds > 0 else 0.0,
        "fail_ratio": entry.fail_ratio,
        "p50_ms": entry.get_response_time_percentile(0.50) or 0.0,
        "p95_ms": entry.get_response_time_percentile(0.95) or 0.0,
        "p99_ms": entry.get_response_time_percentile(0.99) or 0.0,
    }


def inject(fault: dict[str, Any], log: list[str], started: float) -> None:
    action, name = fault["action"], fault["service"]
    remote = services()
    switches = faults()
    try:
        if action == "latency":
            switches.set(name, latency_ms=fault["latency_ms"])
        elif action == "errors":
            switches.set(name, error_rate=fault["error_rate"], error_status=fault["error_status"])
        elif action == "outage":
            switches.set(name, outage=True)
        elif action == "clear":
            switches.clear(name)
        elif action == "kill":
            remote.kill(name)
        elif action == "stop":
            remote.stop(name)
        elif action == "start":
            remote.start(name)
        elif action == "restart":
            remote.restart(name)
        elif action == "kill-restart":
            remote.restart(name, kill=True)
        log.append(f"{time.monotonic() - started:.1f}s {action} {name}: done")
    except Exception as exc:  # the fault's outcome is part of the result, not a crash
        log.append(f"{time.monotonic() - started:.1f}s {action} {name}: failed: {exc}")


def run(plan: dict[str, Any]) -> dict[str, Any]:
    user_classes = load_user_classes(Path(plan["locustfile"]))
    if not user_classes:
        raise RuntimeError(f"{plan['locustfile']} defines no Locust User class")
    # stop_timeout: users finish the request in flight when the run ends, so a scenario
    # knows which of its writes were accepted (a killed request is an unknown outcome).
    env = Environment(user_classes=user_classes, events=events, host=plan["host"], stop_timeout=10)
    runner = env.create_local_runner()
    runner.start(plan["users"], spawn_rate=plan["spawn_rate"])
    gevent.sleep(plan["warmup_s"])
    env.stats.reset_all()
    measured_from = time.monotonic()
    fault_log: list[str] = []
    for fault in plan["faults"]:
        gevent.spawn_later(fault["at_s"], inject, fault, fault_log, measured_from)
    gevent.sleep(plan["duration_s"])
    seconds = time.monotonic() - measured_from
    stats = entry_stats(env.stats.total, seconds)
    endpoints = [
        {"name": e.name, "method": e.method or ""} | entry_stats(e, seconds)
        for e in env.stats.entries.values()
    ]
    errors = [
        f"{e.method} {e.name}: {e.error} (x{e.occurrences})" for e in env.stats.errors.values()
    ]
    runner.stop()  # fires test_stop: locustfiles check final state and report figures there
    runner.quit()
    return {
        "stats": stats,
        "endpoints": endpoints,
        "errors": errors[:20],
        "figures": figures.reported(),
        "faults": fault_log,
        "seconds": seconds,
    }


def main() -> int:
    plan = json.loads(Path(sys.argv[1]).read_text())
    out = Path(sys.argv[2])
    try:
        result = run(plan)
    except Exception:
        result = {"crash": traceback.format_exc()[-2000:]}
    out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
