"""A port taken between the grader's choice and the student's bind is the machine's
failure, never the student's: the service is started again on another port, and the
submission keeps its full marks."""

from __future__ import annotations

import socket

import pytest

import grader.run.services
from grader.grade import GradeRequest, grade
from grader.infra.ports import free_port
from grader.lab.discovery import load_lab

pytestmark = pytest.mark.slow


def test_a_service_whose_port_was_taken_moves_and_loses_nothing(
    tmp_path, counter_lab_path, monkeypatch
) -> None:
    lab = load_lab(counter_lab_path)
    with socket.socket() as squatter:  # another program, faster to bind than the student
        squatter.bind(("127.0.0.1", free_port()))
        squatter.listen()
        taken = squatter.getsockname()[1]
        handed = iter([taken])
        monkeypatch.setattr(
            grader.run.services, "free_port", lambda: next(handed, None) or free_port()
        )
        result = grade(
            GradeRequest(
                lab=lab,
                submission=counter_lab_path / "starter",
                out_dir=tmp_path / "out",
                with_load=False,
            ),
            progress=lambda _: None,
        )
    assert result.status == "graded"
    assert result.score == result.max_score, [c.tests for c in result.checks]
    assert result.problems == []
    (service,) = result.services
    assert f"another program took port {taken}" in service.exit_note
    assert "starting again on port" in service.exit_note
