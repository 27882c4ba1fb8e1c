"""The projector: consume the event log, fold each event into the SQLite projection.

Run with `python -m ledger.projector`.  It prints "projector ready" once it is
consuming; the grader waits for that line.
"""

from __future__ import annotations

import signal
import sys

from confluent_kafka import Consumer, KafkaError, Message

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
        "enable.auto.commit": True,
        "auto.commit.interval.ms": 5000,
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
    consumer.subscribe([topic])

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
