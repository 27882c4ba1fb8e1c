import httpx


def total(services) -> int:
    return httpx.get(services.url("counter") + "/total", timeout=10).json()["total"]


def test_add_is_counted(services):
    before = total(services)
    httpx.post(services.url("counter") + "/add?n=5", timeout=10)
    assert total(services) == before + 5, "an accepted add was not counted exactly once"


def test_total_survives_restart(services):
    httpx.post(services.url("counter") + "/add?n=2", timeout=10)
    before = total(services)
    services.restart("counter")
    assert total(services) == before, (
        "the total was lost when the service restarted: keep state durable"
    )


def test_add_thirteen(services):
    before = total(services)
    httpx.post(services.url("counter") + "/add?n=13", timeout=10)
    assert total(services) == before + 13, "adding 13 was not counted"
