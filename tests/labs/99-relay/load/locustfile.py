from locust import HttpUser, constant_throughput, events, task

from grader.load import figures

degraded = 0


class Caller(HttpUser):
    wait_time = constant_throughput(5)

    @task
    def value(self):
        global degraded
        with self.client.get("/value", name="value", catch_response=True, timeout=10) as r:
            if r.status_code == 200 and r.json().get("degraded"):
                degraded += 1


@events.test_stop.add_listener
def report(environment, **_):
    figures.report("degraded_answers", degraded)
