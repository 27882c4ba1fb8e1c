"""The speed layer, with manual partition assignment instead of a consumer group.

Run with `python -m rides.speed`; prints "speed layer ready".  Its position in the
log is its own output: per partition, one past the highest offset in the speed view.
On start it assign()s every partition there (the beginning for an empty view), so
there are no group offsets to commit and nothing to rebalance.
"""

from __future__ import annotations

import datetime as dt
import signal
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition
from rides import config, master, store, topics
from rides.events import Ride

EPOCH = dt.date(1970, 1, 1)


def event_day(ride: Ride) -> int:
    """The UTC calendar day the ride happened on (its event time, not its arrival)."""
    return (dt.datetime.fromtimestamp(ride.event_time, dt.UTC).date() - EPOCH).days


def run() -> None:
    topic = topics.ensure_topic()
    conn = store.connect(create=True)
    consumer = Consumer(
        {
            "bootstrap.servers": config.bootstrap_servers(),
            "group.id": config.speed_group(),  # required by the client; never joined
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
        }
    )
    stored = store.speed_positions(conn)
    consumer.assign(
        [
            TopicPartition(topic, p, stored.get(p, OFFSET_BEGINNING))
            for p in topics.partitions(consumer, topic)
        ]
    )
    stopping = False

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"speed layer ready (assigned partitions of {topic})", flush=True)
    try:
        while not stopping:
            msgs = [m for m in consumer.consume(num_messages=200, timeout=0.2) if _ok(m)]
            if not msgs:
                continue
            now = time.time()
            parsed = [(m.partition(), m.offset(), Ride.from_json(m.value())) for m in msgs]
            for p in sorted({p for p, _, _ in parsed}):
                master.write_chunk(
                    [
                        {
                            "partition": q,
                            "offset": o,
                            "event_id": r.event_id,
                            "user_id": r.user_id,
                            "event_time": r.event_time,
                        }
                        for q, o, r in parsed
                        if q == p
                    ]
                )
            store.record_speed(
                conn, [(p, o, r.user_id, r.event_time, event_day(r), now) for p, o, r in parsed]
            )
    finally:
        consumer.close()
        conn.close()


def _ok(msg) -> bool:
    if msg.error() is None:
        return True
    if msg.error().code() != KafkaError._PARTITION_EOF:
        print(f"consumer error: {msg.error()}", file=sys.stderr, flush=True)
    return False


if __name__ == "__main__":
    run()
