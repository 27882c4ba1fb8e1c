"""Ports the grader hands out: never in the kernel's ephemeral range (which outgoing
connections use), never twice, and free when handed out."""

from __future__ import annotations

import socket

from grader.infra import ports


def test_ports_lie_below_the_ephemeral_range_and_never_repeat() -> None:
    low = int(ports.EPHEMERAL_RANGE_FILE.read_text().split()[0])
    given = [ports.free_port() for _ in range(200)]
    assert len(set(given)) == len(given)
    assert all(1024 <= port < low for port in given)


def test_a_port_in_use_is_never_handed_out() -> None:
    allocator = ports._Ports()
    first = ports.free_port()
    allocator._range, allocator._next = range(first, first + 2), 0
    with socket.socket() as held:
        held.bind(("127.0.0.1", first))
        held.listen()
        assert allocator.take() == first + 1
        assert ports.is_listening(first)
