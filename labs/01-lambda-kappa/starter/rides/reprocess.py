"""The Kappa reprocessing job: rebuild the view from the log alone.

The topic keeps every ride, so the log can recompute any view: replay it and
count again.  We use this after fixing a bug in a view, or to rebuild a view
without the master dataset.
"""

from __future__ import annotations

import sqlite3
import time

from confluent_kafka import Consumer, TopicPartition

from rides import config, store, topics
from rides.events import Ride, day_of


def replay_config() -> dict:
    return {
        "bootstrap.servers": config.bootstrap_servers(),
        "group.id": config.speed_group(),  # the same job as the speed layer, so the same group
        "enable.auto.commit": False,
    }


def reprocess(conn: sqlite3.Connection, timeout_s: float = 60.0) -> dict:
    topic = config.rides_topic()
    consumer = Consumer(replay_config())
    try:
        parts = topics.partitions(consumer, topic)
        start: dict[int, int] = {}
        end: dict[int, int] = {}
        committed = consumer.committed([TopicPartition(topic, p) for p in parts], timeout=10)
        for tp in committed:
            low, end[tp.partition] = consumer.get_watermark_offsets(
                TopicPartition(topic, tp.partition), timeout=10
            )
            start[tp.partition] = tp.offset if tp.offset >= 0 else low  # where the group is

        # Recount into the view readers use.
        version = store.live_version(conn)
        table = store.view_table(version)
        conn.execute(f"DELETE FROM {table}")
        n = 0
        todo = {p for p in end if end[p] > start[p]}
        consumer.assign([TopicPartition(topic, p, start[p]) for p in sorted(todo)])
        deadline = time.monotonic() + timeout_s
        while todo and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None or msg.error():
                continue
            p, offset = msg.partition(), msg.offset()
            if p not in todo or offset >= end[p]:
                continue
            ride = Ride.from_json(msg.value())
            conn.execute(
                f"INSERT INTO {table} (user_id, day, rides) VALUES (?, ?, 1)"
                " ON CONFLICT (user_id, day) DO UPDATE SET rides = rides + 1",
                (ride.user_id, day_of(ride.event_time)),
            )
            n += 1
            if offset + 1 >= end[p]:
                todo.discard(p)
        store.set_watermark(conn, version, end)
    finally:
        consumer.close()
    return {
        "version": version,
        "from_offsets": {str(p): off for p, off in sorted(start.items())},
        "to_offsets": {str(p): off for p, off in sorted(end.items())},
        "events": n,
    }
