"""What a curious student might try: find the hidden tests and the results, print them."""

import contextlib
import os
from pathlib import Path


def snoop() -> None:
    here = Path.cwd()
    candidates = [here.parent / "trusted", *here.parents]
    for root in candidates:
        for found in root.glob("**/tests/hidden/test_counting.py") if root.is_dir() else []:
            try:
                print("SNOOPED", found, found.read_text(), flush=True)
            except OSError as exc:
                print("could not read", found, exc, flush=True)
        if len(root.parts) <= 2:
            break
    for root in (Path("/work"), Path("/tmp"), Path.home(), Path("/srv"), Path("/opt")):
        for found in root.glob("**/tests/hidden/*.py") if root.is_dir() else []:
            with contextlib.suppress(OSError):
                print("SNOOPED", found, found.read_text()[:2000], flush=True)
    for target in [here.parent / "work" / "test-results.jsonl", Path(os.getcwd()) / "../work/x"]:
        try:
            target.write_text('{"nodeid": "forged", "outcome": "passed"}\n')
            print("WROTE", target, flush=True)
        except OSError as exc:
            print("could not write", target, exc, flush=True)


snoop()  # at import, when the counter starts


def before_add(n: int) -> None:
    pass
