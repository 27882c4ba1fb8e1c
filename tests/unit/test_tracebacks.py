"""A service that crashed at start-up: its last exception and the student's own line,
and its output with the paths a student knows."""

from __future__ import annotations

from grader.report.feedback import NOT_REACHED
from grader.run.tracebacks import crash_summary, readable_paths

SUBMISSION = "/tmp/labgrade-03-abcd/submission"

SYNTAX_ERROR = f"""INFO:     Started server process [7]
Traceback (most recent call last):
  File "<frozen runpy>", line 198, in _run_module_as_main
  File "/venv/lib/python3.11/site-packages/uvicorn/importer.py", line 19, in import_from_string
    module = importlib.import_module(module_str)
  File "{SUBMISSION}/ledger/api.py", line 17, in <module>
    from ledger import store, topics
  File "{SUBMISSION}/ledger/store.py", line 54
    def broken(:
               ^
SyntaxError: invalid syntax
"""

CHAINED = f"""Traceback (most recent call last):
  File "{SUBMISSION}/ledger/config.py", line 3, in <module>
    KEY = os.environ["TOPIC_PREFIX"]
KeyError: 'TOPIC_PREFIX'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "{SUBMISSION}/ledger/projector.py", line 40, in main
    start()
  File "/venv/lib/python3.11/site-packages/confluent_kafka/x.py", line 9, in start
    raise KafkaException("no broker")
confluent_kafka.error.KafkaException: no broker
"""


def test_a_syntax_error_names_the_file_the_line_and_the_code() -> None:
    assert crash_summary(SYNTAX_ERROR, SUBMISSION) == (
        "SyntaxError: invalid syntax (ledger/store.py, line 54: def broken(:)"
    )


def test_the_last_exception_wins_with_the_students_closest_frame() -> None:
    assert crash_summary(CHAINED, SUBMISSION) == (
        "confluent_kafka.error.KafkaException: no broker (ledger/projector.py, line 40: start())"
    )


def test_an_exit_without_a_traceback_says_nothing_more() -> None:
    assert crash_summary("INFO: listening\nbye\n", SUBMISSION) == ""


def test_an_exception_outside_the_submission_is_still_named() -> None:
    log = 'Traceback (most recent call last):\n  File "/venv/x.py", line 1\nOSError: [Errno 98]'
    assert crash_summary(log, SUBMISSION) == "OSError: [Errno 98]"


def test_paths_are_shown_as_a_student_knows_them() -> None:
    shown = readable_paths(SYNTAX_ERROR, {SUBMISSION: "", "/venv": "<python environment>/"})
    assert 'File "ledger/store.py", line 54' in shown
    assert 'File "<python environment>/lib/python3.11/site-packages/uvicorn' in shown
    assert "/tmp/labgrade" not in shown


def test_the_feedback_knows_how_an_unreachable_service_reads() -> None:
    from grader.checks.outcomes import FRIENDLY_ERRORS

    assert FRIENDLY_ERRORS["ConnectError"].startswith(NOT_REACHED)
