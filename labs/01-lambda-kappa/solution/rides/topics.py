"""Create the rides topic on start-up (the api and the speed layer both call this)."""

from __future__ import annotations

import time

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from rides import config


def ensure_topic(timeout_s: float = 20.0) -> str:
    """Create the topic if it is missing; "already exists" is success.  Returns its name."""
    name = config.rides_topic()
    admin = AdminClient({"bootstrap.servers": config.bootstrap_servers()})
    deadline = time.monotonic() + timeout_s
    while True:
        futures = admin.create_topics(
            [NewTopic(name, num_partitions=config.PARTITIONS, replication_factor=1)]
        )
        try:
            futures[name].result(timeout=10)
            return name
        except KafkaException as exc:
            if exc.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS:
                return name
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def partitions(consumer_or_admin, topic: str, timeout_s: float = 20.0) -> list[int]:
    """The topic's partition ids, waiting until the metadata knows them."""
    deadline = time.monotonic() + timeout_s
    while True:
        meta = consumer_or_admin.list_topics(topic, timeout=5)
        info = meta.topics.get(topic)
        if info is not None and info.error is None and info.partitions:
            return sorted(info.partitions)
        if time.monotonic() > deadline:
            raise RuntimeError(f"topic {topic} has no partitions after {timeout_s} s")
        time.sleep(0.2)
