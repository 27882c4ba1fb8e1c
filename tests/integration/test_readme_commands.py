"""The READMEs' commands work when pasted into a shell after the two set-up commands.

Every fenced `sh`/`bash` block of the README, of each lab's README and of the README
students get is read as a shell session from the repository root.  The cheap
commands run for real (`make -n`, `labgrade list|lint|infra up|down`, `eval "$(...
infra up NN)"`, digests with find/sha256sum); the rest are checked as far as they
can be without grading anything: a labgrade command must parse and name a real lab,
`cd` must reach a folder, `python -m` must find its module from there, every `$VAR`
must have been set earlier in the block, a URL must be on localhost.  A program
without a rule here fails the test: a new kind of command in a README needs one.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from grader.cli import CHECK_REPORTS, UsageError, build_parser
from grader.export.student import render_readme
from grader.lab.discovery import lab_folders, load_lab, resolve_lab

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
FENCE = re.compile(r"^```(sh|bash|shell)\n(.*?)^```", re.S | re.M)
SUBSTITUTION = re.compile(r"\$\((.*)\)", re.S)
VARIABLE = re.compile(r"\$\{?([A-Za-z_]\w*)")
ASSIGNMENT = re.compile(r"^([A-Za-z_]\w*)=(.*)$", re.S)
CHEAP_VERBS = {"list", "lint"}
STANDARD_VARIABLES = {"HOME", "PATH", "PWD", "USER"}
TOOLS_RUN = {"find", "sort", "xargs", "sha256sum"}
"""Programs that only read files: their pipelines run for real."""
TOOLS_NOT_RUN = {"curl", "kubectl", "kill", "mkdir", "date"}
"""Programs whose lines are checked (variables, URLs) but not run."""


def _docs() -> list[tuple[str, str]]:
    labs = [load_lab(folder) for folder in lab_folders()]
    docs = [("README.md", (REPO / "README.md").read_text(encoding="utf-8"))]
    docs += [
        (f"labs/{lab.id}/README.md", (lab.path / "README.md").read_text(encoding="utf-8"))
        for lab in labs
    ]
    docs.append(("student README (export-student)", render_readme(labs)))
    return docs


def _blocks() -> list[tuple[str, str]]:
    found = []
    for name, text in _docs():
        for number, match in enumerate(FENCE.finditer(text), start=1):
            found.append((f"{name} block {number}", match.group(2)))
    return found


def _commands(block: str) -> list[str]:
    """Lines of a block, continuations joined, comment-only lines dropped."""
    joined = re.sub(r"\\\n\s*", " ", block)
    return [line.strip() for line in joined.splitlines() if line.strip() and line[0] != "#"]


@dataclass
class Session:
    """What a pasted block has done so far: folder, variables, activated venv."""

    where: str
    cwd: Path = REPO
    variables: set[str] = field(default_factory=lambda: set(STANDARD_VARIABLES))
    activated: bool = False
    infra_up: bool = False

    def fail(self, line: str, why: str) -> None:
        pytest.fail(f"{self.where}: `{line}`: {why}")


def _check_variables(session: Session, line: str) -> None:
    quoted_literals = re.sub(r"'[^']*'", "", line)  # no expansion inside single quotes
    for name in VARIABLE.findall(quoted_literals):
        if name not in session.variables:
            session.fail(line, f"${name} is used before anything in the block sets it")


def _run(argv: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ) | {"PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}"}
    env.pop("LABGRADE_LABS", None)
    return subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=180, **kwargs
    )


def _labgrade(session: Session, line: str, args: list[str]) -> None:
    try:
        parsed = build_parser().parse_args(args)
    except UsageError as exc:
        session.fail(line, f"labgrade would refuse it: {exc}")
    except SystemExit as exc:  # --help, --version
        assert exc.code == 0, line
        return
    lab = getattr(parsed, "lab", None)
    if lab is not None:
        resolve_lab(lab)
    submission = getattr(parsed, "submission", None)
    if submission and "..." not in submission and "path/to" not in submission:
        assert (session.cwd / submission).is_dir(), f"{session.where}: no {submission}"
    if parsed.verb in CHEAP_VERBS:
        done = _run([str(VENV_BIN / "labgrade"), *args], session.cwd)
        assert done.returncode == 0, f"{session.where}: `{line}` failed: {done.stderr}"
    elif parsed.verb == "infra" and parsed.action == "down":
        _run([str(VENV_BIN / "labgrade"), "infra", "down"], REPO)
        session.infra_up = False
    elif parsed.verb == "infra" and parsed.action == "up":
        session.fail(line, 'use eval "$(labgrade infra up ...)" so the variables are set')


def _eval_infra_up(session: Session, line: str, inner: str) -> None:
    """`eval "$(labgrade infra up NN)"` for real: which variables it sets."""
    script = f'eval "$({inner})" && env'
    done = _run(["bash", "-c", script], session.cwd)
    assert done.returncode == 0, f"{session.where}: `{line}`: {done.stderr}"
    exported = {match.split("=", 1)[0] for match in done.stdout.splitlines() if "=" in match}
    outside = set(os.environ) | {"PWD", "SHLVL", "_", "OLDPWD"}
    new = exported - outside
    assert new, f"{session.where}: `{line}` set no variable"
    session.variables |= new
    session.infra_up = True


def _python(session: Session, line: str, words: list[str]) -> None:
    if not session.activated and not words[0].startswith(".venv/"):
        session.fail(line, "plain `python` lacks the packages: activate .venv first")
    if words[1:2] == ["-m"]:
        module = words[2]
        targets = [module]
        if module == "uvicorn":
            targets.append(words[3].split(":", 1)[0])
        for target in targets:
            probe = "import importlib.util as u, sys; sys.path.insert(0, '.'); "
            probe += f"sys.exit(u.find_spec({target!r}) is None)"
            done = _run([sys.executable, "-c", probe], session.cwd)
            assert done.returncode == 0, f"{session.where}: `{line}`: no module {target}"
    elif words[1:2] == ["-c"]:
        compile(words[2], line, "exec")
        for module in re.findall(r"from (\w+)", words[2]):
            assert (session.cwd / module).exists(), f"{session.where}: `{line}`: no {module}"


def _curl(session: Session, line: str, words: list[str]) -> None:
    urls = [w for w in words[1:] if re.match(r"^(https?://)?(localhost|127\.0\.0\.1)[:/]", w)]
    assert urls, f"{session.where}: `{line}`: curl must talk to localhost"


def _segment(session: Session, line: str, words: list[str]) -> None:
    """One simple command (no pipes), already split into words."""
    while words and ASSIGNMENT.match(words[0]):  # VAR=value prefixes and assignments
        name, value = ASSIGNMENT.match(words[0]).groups()
        inner = SUBSTITUTION.search(value)
        if inner:
            _pipeline(session, line, inner.group(1))
        session.variables.add(name)
        words = words[1:]
    if not words:
        return
    program = words[0]
    if program == "export":
        session.variables |= {w.split("=", 1)[0] for w in words[1:]}
    elif program in ("source", "."):
        assert (session.cwd / words[1]).is_file(), f"{session.where}: no {words[1]}"
        session.activated = True
    elif program == "cd":
        target = (session.cwd / words[1]).resolve()
        assert target.is_dir(), f"{session.where}: `{line}`: no folder {target}"
        session.cwd = target
    elif program == "make":
        done = _run(["make", "-n", *words[1:]], session.cwd)
        assert done.returncode == 0, f"{session.where}: `{line}`: {done.stderr}"
    elif program in ("labgrade", ".venv/bin/labgrade"):
        if program == "labgrade" and not session.activated:
            session.fail(line, "labgrade is not on PATH after `make setup`: use .venv/bin/")
        _labgrade(session, line, words[1:])
    elif program == "eval":
        inner = SUBSTITUTION.search(words[1])
        assert inner and "infra up" in inner.group(1), f"{session.where}: `{line}`"
        if inner.group(1).startswith("labgrade") and not session.activated:
            session.fail(line, "labgrade is not on PATH after `make setup`: use .venv/bin/")
        _eval_infra_up(session, line, inner.group(1))
    elif program in ("python", ".venv/bin/python"):
        _python(session, line, words)
    elif program == "cat":
        path = words[1]
        reports = str(CHECK_REPORTS) + "/"
        assert (session.cwd / path).exists() or path.startswith(reports), (
            f"{session.where}: `{line}`: {path} is neither here nor a report `check` writes"
        )
    elif program == "curl":
        _curl(session, line, words)
    elif program in TOOLS_RUN or program in TOOLS_NOT_RUN:
        pass
    else:
        session.fail(line, f"no rule for `{program}` in this test: add one")


def _pipeline(session: Session, line: str, text: str) -> None:
    captured = re.match(r"^([A-Za-z_]\w*)=\$\((.*)\)$", text.strip(), re.S)
    if captured:  # VAR=$(a | b): the pipeline inside, then the variable
        _pipeline(session, line, captured.group(2))
        session.variables.add(captured.group(1))
        return
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|<>")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    words = list(lexer)
    segments: list[list[str]] = [[]]
    redirected = None
    for word in words:
        if redirected is not None:  # the file of `< file` must exist: `<id>` is no file
            if redirected == "<" and not (session.cwd / word).exists():
                session.fail(line, f"bash reads `<{word}` as input from a file that is not there")
            redirected = None
        elif word in ("<", ">", ">>"):
            redirected = word
        elif word in ("|", "&&", ";", "&", "||"):
            segments.append([])
        else:
            segments[-1].append(word)
    programs = {segment[0] for segment in segments if segment}
    if programs and programs <= TOOLS_RUN | {"cd"} and "cd" not in programs:
        done = _run(["bash", "-c", text], session.cwd)
        assert done.returncode == 0, f"{session.where}: `{line}`: {done.stderr}"
    for segment in segments:
        if segment:
            _segment(session, line, segment)


BLOCKS = _blocks()


@pytest.mark.parametrize(("where", "block"), BLOCKS, ids=[where for where, _ in BLOCKS])
def test_the_commands_work_when_pasted(where: str, block: str) -> None:
    session = Session(where)
    try:
        for line in _commands(block):
            _check_variables(session, line)
            _pipeline(session, line, line)
    finally:
        if session.infra_up:
            _run([str(VENV_BIN / "labgrade"), "infra", "down"], REPO)


def test_every_lab_readme_says_how_to_check_and_run_by_hand() -> None:
    for folder in lab_folders():
        lab = load_lab(folder)
        blocks = [block for where, block in BLOCKS if where.startswith(f"labs/{lab.id}/")]
        assert any(f".venv/bin/labgrade check {lab.number}" in b for b in blocks), lab.id
        assert any(f"grading/check/{lab.id}/feedback.md" in b for b in blocks), lab.id


@pytest.mark.parametrize(
    ("block", "why"),
    [
        ("labgrade check 03\n", "not on PATH"),
        ("cd labs/03-event-sourcing/starter\npython -m ledger.projector &\n", "lacks the packages"),
        ("source .venv/bin/activate\nmkdir -p $STATE_DIR\n", "$STATE_DIR is used before"),
        ("source .venv/bin/activate\nlabgrade infra up 03\n", "use eval"),
        ("source .venv/bin/activate\ncd labs/03-event-sourcing\npython -m nothere\n", "no module"),
        (".venv/bin/labgrade check 03 --jobs 3\n", "unrecognized arguments"),
        ("curl localhost:8000/predictions/<prediction_id>/lineage\n", "as input from a file"),
        ("wget http://127.0.0.1:8000/\n", "no rule for `wget`"),
    ],
    ids=[
        "no-venv",
        "plain-python",
        "unset-variable",
        "no-eval",
        "no-module",
        "bad-option",
        "placeholder",
        "unknown-program",
    ],
)
def test_a_command_that_would_fail_when_pasted_fails_the_test(block: str, why: str) -> None:
    with pytest.raises((AssertionError, pytest.fail.Exception), match=re.escape(why)):
        test_the_commands_work_when_pasted("a broken README", block)
