import httpx


def test_each_add_is_published(services, kafka):
    before = len(kafka.consume_all("adds"))
    for _ in range(3):
        httpx.post(services.url("counter") + "/add?n=1", timeout=10)
    records = kafka.consume_all("adds")
    assert len(records) == before + 3, "each accepted add must be published once to the event log"
