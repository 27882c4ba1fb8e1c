"""Publishing rides to the log.  A 2xx from the API means: the broker has it."""

from __future__ import annotations

from confluent_kafka import Producer

from rides import config
from rides.events import Ride


def producer_config() -> dict:
    return {
        "bootstrap.servers": config.bootstrap_servers(),
        "acks": "all",
        "enable.idempotence": True,
        "linger.ms": 1,
    }


class RidePublisher:
    """Produce one ride at a time, keyed by user so a user's rides stay in one partition."""

    def __init__(self) -> None:
        self._producer = Producer(producer_config())
        self._topic = config.rides_topic()

    def publish(self, ride: Ride, timeout_s: float = 10.0) -> tuple[int, int]:
        """Send and wait for the broker's answer; return (partition, offset) or raise."""
        outcome: dict = {}

        def on_delivery(err, msg) -> None:
            outcome["err"] = err
            outcome["msg"] = msg

        self._producer.produce(
            self._topic, key=ride.user_id, value=ride.to_json(), on_delivery=on_delivery
        )
        self._producer.flush(timeout_s)
        if "msg" not in outcome:
            raise RuntimeError("the broker did not confirm the ride in time")
        if outcome["err"] is not None:
            raise RuntimeError(f"the broker refused the ride: {outcome['err']}")
        return outcome["msg"].partition(), outcome["msg"].offset()

    def close(self) -> None:
        self._producer.flush(10)
