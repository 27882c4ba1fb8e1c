"""Configuration from the environment (the grader sets these; so does `labgrade check`)."""

from __future__ import annotations

import os

RIDES_TOPIC = "rides"
PARTITIONS = 3


def bootstrap_servers() -> str:
    return os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092")


def topic_prefix() -> str:
    """Runs share one broker, so every topic and group name starts with the run's prefix."""
    return os.environ.get("TOPIC_PREFIX", "")


def rides_topic() -> str:
    return topic_prefix() + RIDES_TOPIC


def speed_group() -> str:
    """The consumer group of the live speed layer."""
    return topic_prefix() + "speed-layer"


def state_dir() -> str:
    return os.environ.get("STATE_DIR", ".")


def serving_db() -> str:
    """The SQLite file with the speed view, the versioned batch views and the serving pointer."""
    return os.environ.get("SERVING_DB", os.path.join(state_dir(), "serving.db"))


def master_dir() -> str:
    """The folder of the master dataset: immutable files holding every ride ever seen."""
    return os.environ.get("MASTER_DIR", os.path.join(state_dir(), "master"))
