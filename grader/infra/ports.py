"""Loopback ports: everything the grader starts binds to 127.0.0.1.

A port is chosen before the program that will listen on it has started, so
something else may take it in between.  Two things make that unlikely, and the
services' supervisor treats what is left as infrastructure (it retries on another
port), never as the student's failure:

* ports are taken below the kernel's ephemeral range, which outgoing connections
  (thousands of them, from Kafka clients and load generators) and `bind(0)` use;
* this process never hands out one port twice, so runs in one batch never collide.
"""

from __future__ import annotations

import os
import random
import socket
import threading
import time
from pathlib import Path

from grader import interrupt

EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
SPAN = 12000
"""How many ports below the ephemeral range the grader chooses from."""


class _Ports:
    """Hands out loopback ports below the ephemeral range, each once per process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._given: set[int] = set()
        low = _ephemeral_low()
        self._range = range(max(1024, low - SPAN), low)
        self._next = random.Random(os.getpid()).randrange(len(self._range))

    def take(self) -> int:
        with self._lock:
            for _ in range(len(self._range)):
                port = self._range[self._next % len(self._range)]
                self._next += 1
                if port not in self._given and _bindable(port):
                    self._given.add(port)
                    return port
        raise OSError(f"no free loopback port in {self._range.start}-{self._range.stop - 1}")


def _ephemeral_low() -> int:
    try:
        return int(EPHEMERAL_RANGE_FILE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


_PORTS = _Ports()


def free_port() -> int:
    """A loopback port free a moment ago, outside the ephemeral range, never handed out
    before by this process."""
    return _PORTS.take()


def is_listening(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def wait_for_port(port: int, timeout_s: float, host: str = "127.0.0.1") -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if is_listening(port, host):
            return True
        interrupt.sleep(0.05)
    return False
