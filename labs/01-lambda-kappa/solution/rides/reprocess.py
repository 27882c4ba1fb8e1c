"""The Kappa reprocessing job: rebuild a view from the log alone and cut readers over.

Kreps, "Questioning the Lambda Architecture": to recompute, start a second instance
of the stream job from the *beginning of the retained log*, write into a *new output
table*, and when it has caught up switch readers to the new table.

Here: read every partition from its low watermark (the first offset still retained)
to the end offsets taken when the job starts, count rides per (user, day of the
ride) into a new view version, and make it live with one transaction.  The new
version's watermark is those end offsets; the speed layer covers everything after.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections import Counter

from confluent_kafka import Consumer, TopicPartition

from rides import config, store, topics
from rides.events import Ride, day_of


def replay_config() -> dict:
    return {
        "bootstrap.servers": config.bootstrap_servers(),
        # Its own throw-away group id: the job assigns partitions itself, never joins
        # the group and never commits, so it cannot inherit (or disturb) the live
        # speed layer's committed offsets.
        "group.id": f"{config.topic_prefix()}reprocess-{uuid.uuid4().hex[:8]}",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
    }


def reprocess(conn: sqlite3.Connection, timeout_s: float = 60.0) -> dict:
    topic = config.rides_topic()
    consumer = Consumer(replay_config())
    try:
        low: dict[int, int] = {}
        high: dict[int, int] = {}
        for p in topics.partitions(consumer, topic):
            low[p], high[p] = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
        version = store.begin_version(conn, "replay")
        try:
            counts, n = _replay(consumer, topic, low, high, timeout_s)
            store.write_counts(conn, version, counts)
            store.cut_over(conn, version, high, n)
        except BaseException:
            store.abandon_version(conn, version)
            raise
    finally:
        consumer.close()
    return {
        "version": version,
        "from_offsets": {str(p): off for p, off in sorted(low.items())},
        "to_offsets": {str(p): off for p, off in sorted(high.items())},
        "events": n,
    }


def _replay(consumer: Consumer, topic: str, low: dict, high: dict, timeout_s: float):
    todo = {p for p in high if high[p] > low[p]}
    consumer.assign([TopicPartition(topic, p, low[p]) for p in sorted(todo)])
    counts: Counter = Counter()
    n = 0
    deadline = time.monotonic() + timeout_s
    while todo:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the replay did not reach the end offsets {high} in time")
        for msg in consumer.consume(num_messages=1000, timeout=0.5):
            if msg.error():
                continue
            p, offset = msg.partition(), msg.offset()
            if p not in todo or offset >= high[p]:
                continue
            ride = Ride.from_json(msg.value())
            counts[(ride.user_id, day_of(ride.event_time))] += 1
            n += 1
            if offset + 1 >= high[p]:
                todo.discard(p)
    return counts, n
