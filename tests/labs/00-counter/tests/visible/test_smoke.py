import httpx


def test_health(services):
    assert httpx.get(services.url("counter") + "/health").status_code == 200


def test_total_is_a_number(services):
    assert isinstance(httpx.get(services.url("counter") + "/total").json()["total"], int)
