"""A student process's crash in one line, and its output with paths a student knows.

A service that dies at start-up leaves a Python traceback in its log: dozens of
frames in uvicorn and importlib, under temporary folders, with the one line that
matters (`SyntaxError: invalid syntax`, and where) at the very end.  The feedback's
"Start here" says that line and the student's own file and line number; the log
excerpt shows the student's files as `ledger/store.py`, not
`/tmp/labgrade-03-x1y2/submission/ledger/store.py`.
"""

from __future__ import annotations

import re

EXCEPTION_LINE = re.compile(
    r"^(?:[A-Za-z_][\w.]*\.)?[A-Za-z_]\w*(?:Error|Exception|Exit|Interrupt)\b(?::.*)?$"
)
FRAME_LINE = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+)')
TRACEBACK_START = "Traceback (most recent call last):"
SUMMARY_CHARS = 300


def readable_paths(text: str, roots: dict[str, str]) -> str:
    """`text` with each root folder (`/tmp/.../submission`) shown as its label (`""`)."""
    for root, label in sorted(roots.items(), key=lambda item: -len(item[0])):
        text = text.replace(root.rstrip("/") + "/", label)
    return text


def crash_summary(log: str, submission_dir: str) -> str:
    """The last exception in `log`, and the submission's own frame closest to it:
    `SyntaxError: invalid syntax (ledger/store.py, line 54: def broken(:)`; "" when the
    log holds no Python exception."""
    lines = log.splitlines()
    found = next(
        (i for i in range(len(lines) - 1, -1, -1) if EXCEPTION_LINE.match(lines[i].rstrip())),
        None,
    )
    if found is None:
        return ""
    summary = lines[found].strip()
    root = submission_dir.rstrip("/") + "/"
    for i in range(found - 1, -1, -1):
        if lines[i].startswith(TRACEBACK_START):
            break
        frame = FRAME_LINE.match(lines[i])
        if frame is None or not frame["path"].startswith(root):
            continue
        where = f"{frame['path'].removeprefix(root)}, line {frame['line']}"
        code = lines[i + 1].strip() if i + 1 < found else ""
        if code and not FRAME_LINE.match(lines[i + 1]) and set(code) != {"^"}:
            where += f": {code}"
        summary += f" ({where})"
        break
    if len(summary) > SUMMARY_CHARS:
        summary = summary[: SUMMARY_CHARS - 1] + "…"
    return summary
