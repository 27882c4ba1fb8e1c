import httpx


def test_each_request_reaches_upstream_once(services, faults):
    faults.reset_calls("upstream")
    for _ in range(3):
        httpx.get(services.url("relay") + "/value", timeout=5)
    assert faults.calls("upstream") == 3, "each relayed request must call upstream exactly once"
    assert faults.calls_by_path("upstream") == {"/value": 3}


def test_switches_need_the_grader_token(services):
    response = httpx.put(services.url("upstream") + "/_labgrade/fault", json={"outage": True})
    assert response.status_code == 403
