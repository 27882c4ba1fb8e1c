import httpx
from locust import HttpUser, constant, events, task

from grader.load import context, figures

accepted = 0


class Adder(HttpUser):
    wait_time = constant(0.05)

    @task
    def add(self):
        global accepted
        with self.client.post("/add?n=1", name="add", catch_response=True) as response:
            if response.status_code == 200:
                accepted += 1


@events.test_start.add_listener
def remember_start(environment, **_):
    global baseline
    baseline = httpx.get(context.url("counter") + "/total").json()["total"]


@events.test_stop.add_listener
def compare(environment, **_):
    final = httpx.get(context.url("counter") + "/total").json()["total"]
    figures.report("lost_adds", max(0, baseline + accepted - final))
