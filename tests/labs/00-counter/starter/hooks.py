"""Where the grader's test variants misbehave: each variant replaces this file only.

The correct counter does nothing here.
"""


def before_add(n: int) -> None:
    """Called with each add before it is counted."""
