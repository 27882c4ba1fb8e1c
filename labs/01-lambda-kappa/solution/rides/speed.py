"""The speed layer: consume the rides topic, keep the recent view, archive the master dataset.

Run with `python -m rides.speed`.  It prints "speed layer ready" once it consumes;
the grader waits for that line.

For each batch of records it (1) archives them into the master dataset, (2) adds
them to the speed view, (3) commits the offsets to its consumer group.  A crash in
between repeats the batch; both writes ignore repeats (at-least-once, idempotent).
"""

from __future__ import annotations

import signal
import sys
import time
from collections import defaultdict

from confluent_kafka import Consumer, KafkaError, Message

from rides import config, master, store, topics
from rides.events import Ride, day_of


def consumer_config() -> dict:
    return {
        "bootstrap.servers": config.bootstrap_servers(),
        "group.id": config.speed_group(),
        # Static membership: a restarted speed layer takes over its old place in the
        # group at once instead of waiting for the broker to time the old one out.
        "group.instance.id": "speed-1",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    }


def window_day(ride: Ride, processed_at: float) -> int:
    """The day a ride is counted in: the day it happened (event time), whenever it arrived.

    A ride taken on Monday and uploaded on Thursday belongs to Monday's count,
    exactly as the batch layer will count it once it absorbs the record.
    """
    return day_of(ride.event_time)


def handle(conn, msgs: list[Message]) -> None:
    now = time.time()
    by_partition: dict[int, list[dict]] = defaultdict(list)
    rows = []
    for msg in msgs:
        ride = Ride.from_json(msg.value())
        by_partition[msg.partition()].append(
            {
                "partition": msg.partition(),
                "offset": msg.offset(),
                "event_id": ride.event_id,
                "user_id": ride.user_id,
                "event_time": ride.event_time,
            }
        )
        rows.append(
            (
                msg.partition(),
                msg.offset(),
                ride.user_id,
                ride.event_time,
                window_day(ride, now),
                now,
            )
        )
    for records in by_partition.values():
        master.write_chunk(records)
    store.record_speed(conn, rows)


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
    print(f"speed layer ready: consuming {topic} into {config.serving_db()}", flush=True)
    try:
        while not stopping:
            batch = consumer.consume(num_messages=500, timeout=0.2)
            good = []
            for msg in batch:
                if msg.error():
                    if msg.error().code() != KafkaError._PARTITION_EOF:
                        print(f"consumer error: {msg.error()}", file=sys.stderr, flush=True)
                    continue
                good.append(msg)
            if good:
                handle(conn, good)
                consumer.commit(asynchronous=False)
    finally:
        consumer.close()
        conn.close()


if __name__ == "__main__":
    run()
