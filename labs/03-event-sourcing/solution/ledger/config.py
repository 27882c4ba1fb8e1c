"""Configuration from the environment (the grader sets these; so does `labgrade check`)."""

from __future__ import annotations

import os

EVENTS_TOPIC = "account-events"
PARTITIONS = 3


def bootstrap_servers() -> str:
    return os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092")


def topic_prefix() -> str:
    """Runs share one broker, so every topic name starts with the run's prefix."""
    return os.environ.get("TOPIC_PREFIX", "")


def events_topic() -> str:
    return topic_prefix() + EVENTS_TOPIC


def projection_db() -> str:
    """Path of the SQLite projection; a fresh path means "rebuild from the log"."""
    return os.environ.get("PROJECTION_DB", "projection.db")
