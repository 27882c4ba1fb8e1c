"""The embedded broker: ready fast, per-run topic namespaces, nothing left after stop."""

from __future__ import annotations

import os
import time

import pytest
from confluent_kafka.admin import AdminClient, NewTopic

from grader.infra.kafka import KafkaBroker, topic_prefix
from grader.infra.ports import is_listening


def topics(bootstrap: str) -> set[str]:
    admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 3})
    return set(admin.list_topics(timeout=10).topics)


def create(bootstrap: str, *names: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 3})
    futures = admin.create_topics([NewTopic(n, num_partitions=1) for n in names])
    for future in futures.values():
        future.result(timeout=10)
    deadline = time.monotonic() + 10
    while not set(names) <= topics(bootstrap):
        assert time.monotonic() < deadline, f"topics {names} never appeared"
        time.sleep(0.1)


def group_exists(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def broker():
    broker = KafkaBroker()
    started = time.monotonic()
    broker.start()
    try:
        broker.wait_until_ready(timeout_s=5)
        broker.ready_after_s = time.monotonic() - started
        yield broker
    finally:
        broker.stop()


def test_broker_is_ready_within_five_seconds(broker):
    assert broker.ready_after_s < 5
    assert broker.is_healthy()
    assert is_listening(broker.port)
    assert broker.connection() == {"KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{broker.port}"}
    assert broker.namespace("lgrun1") == {"TOPIC_PREFIX": "lgrun1."}


def test_drop_namespace_removes_only_that_runs_topics(broker):
    mine = [topic_prefix("lgmine") + "adds", topic_prefix("lgmine") + "events"]
    other = topic_prefix("lgother") + "adds"
    lookalike = "lgmine0.adds"  # a run id that merely starts with the same letters
    create(broker.bootstrap, *mine, other, lookalike)

    broker.drop_namespace("lgmine")

    deadline = time.monotonic() + 10
    while set(mine) & topics(broker.bootstrap):
        assert time.monotonic() < deadline, "the run's topics were not removed"
        time.sleep(0.1)
    left = topics(broker.bootstrap)
    assert other in left
    assert lookalike in left


def test_drop_namespace_without_topics_is_harmless(broker):
    broker.drop_namespace("lgnothing")
    assert broker.is_healthy()


def test_stop_leaves_nothing_behind():
    broker = KafkaBroker()
    broker.start()
    try:
        broker.wait_until_ready(timeout_s=5)
        pid, port, data_dir = broker.pid, broker.port, broker.data_dir
        assert pid is not None and group_exists(pid)
        assert data_dir.is_dir()
    finally:
        broker.stop()
    assert not is_listening(port)
    assert not data_dir.exists()
    assert not group_exists(pid), "the broker's process group is still alive"
    assert broker.pid is None
    assert not broker.is_healthy()
    broker.stop()  # safe to call twice
