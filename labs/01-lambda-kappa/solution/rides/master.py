"""The master dataset: every ride ever received, in immutable files.

The batch layer's input.  Files are only ever added, never changed or deleted: each
one is written under a temporary name and renamed into place, so a reader sees a
file whole or not at all.  A record carries the ride and where it sits in the log
(partition, offset), which is how a batch view states exactly what it covers.

A record may be archived twice (the speed layer is at-least-once: a crash between
writing a file and committing its Kafka offsets repeats the batch), so readers
dedupe by (partition, offset).

In production this is a bucket written by a Kafka sink (Kafka Connect, Camus,
Gobblin); here the speed layer's process archives what it consumes.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from rides import config


def folder() -> Path:
    path = Path(config.master_dir())
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_chunk(records: list[dict]) -> Path | None:
    """Add one immutable file holding `records` (all from one partition, in offset order)."""
    if not records:
        return None
    first, last = records[0], records[-1]
    name = f"p{first['partition']}-{first['offset']:012d}-{last['offset']:012d}"
    name += f"-{uuid.uuid4().hex[:8]}.jsonl"
    tmp = folder() / f".{name}.tmp"
    with tmp.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    final = folder() / name
    os.replace(tmp, final)
    return final


def read_all() -> Iterator[dict]:
    """Every archived record, each (partition, offset) once."""
    seen: set[tuple[int, int]] = set()
    for path in sorted(folder().glob("p*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                key = (record["partition"], record["offset"])
                if key not in seen:
                    seen.add(key)
                    yield record
