"""Runs inside the sandbox: import one function of the submission, call it, print JSON.

The verdict is never computed here; this only carries data back to the trusted side.
"""

from __future__ import annotations

import importlib
import json
import sys
import traceback

MARKER = "\x1elabgrade-result:"


def main() -> int:
    request = json.loads(sys.stdin.read())
    module_name, _, function_name = request["target"].partition(":")
    try:
        function = getattr(importlib.import_module(module_name), function_name)
        value = function(*request["args"])
        print(MARKER + json.dumps({"ok": True, "value": value}, default=repr), flush=True)
    except BaseException as exc:
        summary = traceback.format_exception_only(type(exc), exc)[-1].strip()
        print(MARKER + json.dumps({"ok": False, "error": summary}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
