import httpx


def test_outage_gives_a_degraded_answer(services, faults):
    with faults.injected("upstream", outage=True):
        body = httpx.get(services.url("relay") + "/value", timeout=10).json()
    assert body == {"value": None, "degraded": True}, "an outage must give a degraded answer"
    assert httpx.get(services.url("relay") + "/value", timeout=10).json()["value"] == 42
