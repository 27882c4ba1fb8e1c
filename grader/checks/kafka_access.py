"""The `kafka` fixture: the run's broker, confined to the run's topic prefix.

Tests name topics as the lab does ("account-events"); the prefix that keeps runs
apart on a shared broker is added here, so tests cannot reach another run's data.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

QUIET = {"log_level": 3}


@dataclass(frozen=True)
class Record:
    key: bytes | None
    value: bytes | None
    timestamp_ms: int
    partition: int
    offset: int
    headers: tuple[tuple[str, bytes], ...]


class KafkaAccess:
    def __init__(self, bootstrap: str, prefix: str) -> None:
        self.bootstrap = bootstrap
        self.prefix = prefix
        self.admin = AdminClient({"bootstrap.servers": bootstrap} | QUIET)

    def topic(self, name: str) -> str:
        return self.prefix + name

    def create_topic(self, name: str, partitions: int = 1) -> str:
        full = self.topic(name)
        for future in self.admin.create_topics([NewTopic(full, partitions, 1)]).values():
            try:
                future.result()
            except KafkaException as exc:
                if "already exists" not in str(exc).lower() and "TOPIC_ALREADY_EXISTS" not in str(
                    exc
                ):
                    raise
        return full

    def producer(self, **config: object) -> Producer:
        return Producer({"bootstrap.servers": self.bootstrap} | QUIET | config)

    def _partitions(self, full: str, timeout_s: float) -> list[int]:
        metadata = self.admin.list_topics(full, timeout=timeout_s)
        topic = metadata.topics.get(full)
        if topic is None or topic.error is not None:
            return []
        return sorted(topic.partitions)

    def end_offsets(self, name: str, timeout_s: float = 10) -> dict[int, int]:
        full = self.topic(name)
        consumer = self._consumer()
        try:
            return {
                p: consumer.get_watermark_offsets(TopicPartition(full, p), timeout=timeout_s)[1]
                for p in self._partitions(full, timeout_s)
            }
        finally:
            consumer.close()

    def _consumer(self) -> Consumer:
        return Consumer(
            {
                "bootstrap.servers": self.bootstrap,
                "group.id": f"labgrade-{uuid.uuid4().hex}",
                "enable.auto.commit": False,
                "isolation.level": "read_committed",
            }
            | QUIET
        )

    def consume_all(self, name: str, timeout_s: float = 10) -> list[Record]:
        """Every record from the beginning to the end the topic had when this was called."""
        full = self.topic(name)
        ends = self.end_offsets(name, timeout_s)
        wanted = {p: end for p, end in ends.items() if end > 0}
        if not wanted:
            return []
        consumer = self._consumer()
        records: list[Record] = []
        try:
            consumer.assign([TopicPartition(full, p, 0) for p in wanted])
            position = dict.fromkeys(wanted, 0)
            deadline = time.monotonic() + timeout_s
            while any(position[p] < wanted[p] for p in wanted):
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"could not read topic {full} to its end within {timeout_s} s"
                    )
                message = consumer.poll(0.2)
                if message is None or message.error():
                    continue
                p = message.partition()
                position[p] = message.offset() + 1
                if message.offset() < wanted[p]:
                    ts = message.timestamp()[1]
                    records.append(
                        Record(
                            message.key(),
                            message.value(),
                            ts,
                            p,
                            message.offset(),
                            tuple(message.headers() or ()),
                        )
                    )
        finally:
            consumer.close()
        return sorted(records, key=lambda r: (r.partition, r.offset))
