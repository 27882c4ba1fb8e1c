"""Kappa reprocessing, written differently: OFFSET_BEGINNING and chunked writes.

A fresh group id per run (never committed to), every partition assigned at
OFFSET_BEGINNING (the broker resolves it to the log's low watermark), rides counted
in SQL into a new version's table chunk by chunk (nobody reads that table yet), then
one cut-over.
"""

from __future__ import annotations

import sqlite3
import time
import uuid

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from rides import config, store, topics
from rides.events import Ride, day_of


def reprocess(conn: sqlite3.Connection) -> dict:
    topic = config.rides_topic()
    consumer = Consumer(
        {
            "bootstrap.servers": config.bootstrap_servers(),
            "group.id": f"replay-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
        }
    )
    try:
        parts = topics.partitions(consumer, topic)
        bounds = {
            p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10) for p in parts
        }
        version = store.begin_version(conn, "replay")
        table = store.view_table(version)
        pending = {p for p, (lo, hi) in bounds.items() if hi > lo}
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in sorted(pending)])
        total = 0
        deadline = time.monotonic() + 60
        while pending:
            if time.monotonic() > deadline:
                store.abandon_version(conn, version)
                raise TimeoutError("replay did not reach the end of the log")
            chunk = []
            for msg in consumer.consume(num_messages=500, timeout=0.5):
                if msg.error() or msg.partition() not in pending:
                    continue
                end = bounds[msg.partition()][1]
                if msg.offset() >= end:
                    continue
                ride = Ride.from_json(msg.value())
                chunk.append((ride.user_id, day_of(ride.event_time)))
                if msg.offset() == end - 1:
                    pending.discard(msg.partition())
            if chunk:
                with store.transaction(conn):
                    conn.executemany(
                        f"INSERT INTO {table} (user_id, day, rides) VALUES (?, ?, 1)"
                        " ON CONFLICT (user_id, day) DO UPDATE SET rides = rides + 1",
                        chunk,
                    )
                total += len(chunk)
        store.cut_over(conn, version, {p: hi for p, (_, hi) in bounds.items()}, total)
    finally:
        consumer.close()
    return {
        "version": version,
        "from_offsets": {str(p): lo for p, (lo, _) in sorted(bounds.items())},
        "to_offsets": {str(p): hi for p, (_, hi) in sorted(bounds.items())},
        "events": total,
    }
