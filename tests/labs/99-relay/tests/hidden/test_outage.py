import httpx


def test_outage_gives_a_degraded_answer(services, faults):
    with faults.injected("upstream", outage=True):
        body = httpx.get(services.url("relay") + "/value", timeout=10).json()
    assert body == {"value": None, "degraded": True}, "an outage must give a degraded answer"
    assert httpx.get(services.url("relay") + "/value", timeout=10).json()["value"] == 42


def test_injected_puts_the_previous_fault_back(faults):
    faults.set("upstream", latency_ms=5)
    try:
        with faults.injected("upstream", outage=True):
            assert faults.get("upstream")["outage"] is True
        assert faults.get("upstream") == {
            "latency_ms": 5.0,
            "error_rate": 0.0,
            "error_status": 503,
            "outage": False,
        }
    finally:
        faults.clear("upstream")
