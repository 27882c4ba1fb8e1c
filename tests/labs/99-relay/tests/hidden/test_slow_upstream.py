import time

import httpx


def test_answers_fast_and_degraded(services):
    began = time.monotonic()
    body = httpx.get(services.url("relay") + "/value", timeout=10).json()
    took = time.monotonic() - began
    assert took < 1.5, f"the relay waited {took:.1f} s for a slow upstream: put a timeout on it"
    assert body["degraded"] is True, "a timed-out call must give a degraded answer"
