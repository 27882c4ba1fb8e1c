"""What a curious student might try: find the hidden tests and the results, print them."""

import contextlib
import os
from pathlib import Path

# Python installations hold tens of thousands of files and no hidden tests: walking
# them would only make this submission too slow to start.
NOT_WORTH_A_LOOK = {"site-packages", "lib", "lib64", ".pyenv", "__pycache__", ".git", "proc"}


def hidden_tests_under(root: Path, name: str = "*.py"):
    if not root.is_dir():
        return
    for folder, dirs, _files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in NOT_WORTH_A_LOOK]
        here = Path(folder)
        if here.name == "hidden" and here.parent.name == "tests":
            yield from here.glob(name)


def snoop() -> None:
    here = Path.cwd()
    candidates = [here.parent / "trusted", *here.parents]
    for root in candidates:
        for found in hidden_tests_under(root, "test_counting.py"):
            try:
                print("SNOOPED", found, found.read_text(), flush=True)
            except OSError as exc:
                print("could not read", found, exc, flush=True)
        if len(root.parts) <= 2:
            break
    for root in (Path("/work"), Path("/tmp"), Path.home(), Path("/srv"), Path("/opt")):
        for found in hidden_tests_under(root):
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
