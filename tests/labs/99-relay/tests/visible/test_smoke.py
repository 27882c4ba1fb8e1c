import httpx


def test_relays_the_value(services):
    assert httpx.get(services.url("relay") + "/value", timeout=5).json()["value"] == 42
