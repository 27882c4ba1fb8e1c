"""`feedback.md`: what the student reads after a run.

It says what passed, what failed and *why* (the check's concept and each failed
assertion's message), load figures against thresholds and the end of each
service's log. What it must never contain (threat model): a hidden test's source
or traceback. The only test text quoted is `TestOutcome.message`, which the
checks runner reduces to the assertion message, and only for tests that cost
points: a passing test's message is not feedback and is never printed.
"""

from __future__ import annotations

import re
from pathlib import Path

from grader.report._format import (
    NOT_RUN_HERE,
    check_lost_points,
    check_not_run_locally,
    checked_here_line,
    failed_tests,
    fmt_num,
    fmt_points,
    full_marks,
    gate_failed,
    readable_test_name,
    shown_message,
    status_word,
    tail,
    threshold_target,
    threshold_value,
    timings_line,
    truncate,
)
from grader.result import (
    CheckResult,
    GradingResult,
    LoadResult,
    ServiceLog,
    TestOutcome,
    ThresholdResult,
)

FILENAME = "feedback.md"

MESSAGE_CHARS = 1500
EXCERPT_LINES = 20
EXCERPT_CHARS = 3000
LOAD_ERRORS_SHOWN = 10

INFRA_ERROR_TEXT = (
    "**Infrastructure error, no score.** This is not your fault: the grading "
    "infrastructure failed, not your code. Re-run the grading, and if it happens "
    "again tell your instructor (include this file)."
)
INTERRUPTED_TEXT = (
    "**Interrupted, no score.** The grading was stopped before it finished (a "
    "cancelled job, Ctrl-C or a stop signal); everything it started was stopped and "
    "removed. Run it again for a score."
)
NOT_SUBMITTED_TEXT = (
    "**Nothing submitted: 0 points.** There was no code of this lab to grade, so "
    "nothing was started."
)
NO_SCORE_TEXTS = {
    "infrastructure_error": INFRA_ERROR_TEXT,
    "interrupted": INTERRUPTED_TEXT,
    "not_submitted": NOT_SUBMITTED_TEXT,
}
CHECK_MODE_TEXT = (
    "This is a local run (`labgrade check`), not your grade: hidden checks and the "
    "analysis notebook are graded by your instructor, not run here, and the load was a "
    "short smoke run, not the full measured load."
)

_OUTCOME_WORDS = {"failed": "failed", "error": "error", "timeout": "timed out"}


def fence(text: str, info: str = "") -> str:
    """A fenced block that the text itself cannot close (students print backticks)."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{text}\n{ticks}"


def _cell(text: str) -> str:
    """A markdown table cell: a `|` or a newline would break the table."""
    return text.replace("|", "\\|").replace("\n", " ")


def _indent(text: str, prefix: str = "  ") -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


# --- checks -----------------------------------------------------------------


NOT_REACHED = "could not connect to the service"
"""How a test's message begins when the service it called was not listening (the
checks' friendly ConnectError, checks/outcomes.py)."""


def _unreached_line(tests: list[TestOutcome]) -> str:
    """One bullet for every test that only found a service down that never started:
    the cause is in "Start here", not in these tests."""
    names = list(dict.fromkeys(readable_test_name(t.name) for t in tests))
    shown = ", ".join(f"**{name}**" for name in names[:4]) + (", …" if len(names) > 4 else "")
    count = f"{len(tests)} tests" if len(tests) > 1 else "1 test"
    return (
        f"- {shown} ({count}): could not reach your service, which did not start "
        '(see "Start here" above)'
    )


def _failed_test_lines(tests: list[TestOutcome], services_down: bool = False) -> list[str]:
    """One bullet per distinct (name, outcome, message): parametrized cases that
    fail the same way are one bullet with a count, not a wall of repeats.  When a
    service did not start (`services_down`), the tests that could not reach it are
    one bullet: fourteen times "Connection refused" would bury the cause."""
    unreached = [t for t in tests if services_down and t.message.startswith(NOT_REACHED)]
    tests = [t for t in tests if t not in unreached]
    groups: dict[tuple[str, str, str], int] = {}
    for test in tests:
        message = truncate(shown_message(test), MESSAGE_CHARS)
        key = (readable_test_name(test.name), test.outcome, message)
        groups[key] = groups.get(key, 0) + 1
    lines = []
    for (name, outcome, message), count in groups.items():
        label = f"**{name}**"
        extra = [] if outcome == "failed" else [_OUTCOME_WORDS.get(outcome, outcome)]
        if count > 1:
            extra.append(f"{count} cases")
        if extra:
            label += f" ({', '.join(extra)})"
        if "\n" in message:
            lines.append(f"- {label}:\n\n{_indent(fence(message))}\n")
        else:
            lines.append(f"- {label}: {message}")
    return lines + ([_unreached_line(unreached)] if unreached else [])


def render_check(result: GradingResult, check: CheckResult) -> str:
    """One check: points, concept when anything failed, failed tests with messages."""
    points = f"{fmt_points(check.points)} / {fmt_points(check.max_points)}"
    if check_not_run_locally(result, check):
        return f"### {check.title}: {NOT_RUN_HERE} ({fmt_points(check.max_points)} points)"
    out = [f"### {check.title}: {points} ({status_word(check.points, check.max_points)})", ""]
    lost = check_lost_points(check)
    if lost and check.concept.strip():
        out += [f"**Why this matters:** {check.concept.strip()}", ""]
    if check.message.strip():
        out += [truncate(check.message.strip(), MESSAGE_CHARS), ""]
    failed = failed_tests(check)
    if failed:
        out += ["What failed:", "", *_failed_test_lines(failed, bool(result.problems)), ""]
    counts = []
    passed = sum(t.outcome == "passed" for t in check.tests)
    if check.tests:
        counts.append(f"{passed} of {len(check.tests)} tests passed")
    skipped = sum(t.outcome == "skipped" for t in check.tests)
    if skipped:
        counts.append(f"{skipped} skipped")
    not_run = sum(t.outcome == "not_run" for t in check.tests)
    if not_run:
        counts.append(f"{not_run} did not run (the check was stopped before reaching them)")
    if counts:
        out.append("; ".join(counts) + ".")
    return "\n".join(out).rstrip()


# --- loads ------------------------------------------------------------------


def threshold_table(thresholds: list[ThresholdResult]) -> str:
    """Figures against thresholds: full credit at `good`, none at `bad`."""
    rows = [
        "| figure | endpoint | value | good | bad | credit |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for t in thresholds:
        figure = t.figure + (" (gate)" if t.gate else "")
        value = threshold_value(t)
        if t.reference is not None:  # relative bounds: say what they are relative to
            figure += f" (reference solution here: {fmt_num(t.reference)})"
        credit = f"{fmt_num(t.fraction * 100)}%" if t.counted else "-"
        rows.append(
            f"| {_cell(figure)} | {_cell(threshold_target(t))} | {value} | {fmt_num(t.good)} "
            f"| {fmt_num(t.bad)} | {credit} |"
        )
    return "\n".join(rows)


def _gate_sentence(t: ThresholdResult) -> str:
    value = "was not measured" if t.value is None else f"was {fmt_num(t.value)}"
    better = "at most" if t.good <= t.bad else "at least"
    return (
        f"- **Gate not met:** `{t.figure}` for {threshold_target(t)} {value}; it must be "
        f"{better} {fmt_num(t.good)}. A gate that is not fully met gives the whole "
        "load check 0 points: being fast does not make up for a wrong answer."
    )


def render_load(result: GradingResult, load: LoadResult) -> str:
    """One load check: points, headline stats, threshold table, gates, errors."""
    out = [f"### {load.title}: {fmt_points(load.points)} / {fmt_points(load.max_points)}", ""]
    if result.mode == "check":
        out += ["_Short smoke run: figures are indicative only._", ""]
    s = load.stats
    out += [
        f"{s.requests} requests, {s.failures} failures (ratio {fmt_num(s.fail_ratio)}), "
        f"{fmt_num(s.rps)} requests/s; p50 {fmt_num(s.p50_ms)} ms, "
        f"p95 {fmt_num(s.p95_ms)} ms, p99 {fmt_num(s.p99_ms)} ms.",
        "",
    ]
    if load.thresholds:
        out += [threshold_table(load.thresholds), ""]
    gates = [t for t in load.thresholds if gate_failed(t)]
    if gates:
        out += [_gate_sentence(t) for t in gates] + [""]
    if load.message.strip():
        out += [truncate(load.message.strip(), MESSAGE_CHARS), ""]
    if load.errors:
        out += ["Errors during the load:", ""]
        out += [f"- {_cell(truncate(e, 300))}" for e in load.errors[:LOAD_ERRORS_SHOWN]]
        if len(load.errors) > LOAD_ERRORS_SHOWN:
            out.append(f"- … and {len(load.errors) - LOAD_ERRORS_SHOWN} more")
        out.append("")
    if not full_marks(load.points, load.max_points) and load.concept.strip():
        out += [f"**Why this matters:** {load.concept.strip()}", ""]
    return "\n".join(out).rstrip()


# --- the rest ---------------------------------------------------------------


def render_service(service: ServiceLog) -> str:
    out = [f"### {service.name}", ""]
    if service.exit_note.strip():
        out += [service.exit_note.strip(), ""]
    excerpt = tail(service.excerpt, EXCERPT_LINES, EXCERPT_CHARS)
    if excerpt.strip():
        out += ["Last lines of its output:", "", fence(excerpt, "text")]
    else:
        out.append("It printed nothing.")
    return "\n".join(out).rstrip()


def _header(result: GradingResult) -> list[str]:
    out = [f"# {result.title} ({result.lab})", ""]
    if result.status != "graded":
        out += [NO_SCORE_TEXTS.get(result.status, result.status), ""]
        if result.error.strip():
            out += ["Why:" if result.status == "not_submitted" else "The error was:", ""]
            out += [fence(result.error.strip(), "text"), ""]
        if result.fix:
            out += ["To fix it, run:", "", fence(result.fix, "sh"), ""]
        return out
    out += [f"**Score: {fmt_points(result.score)} / {fmt_points(result.max_score)}**", ""]
    if result.mode == "check":
        out += [f"> {CHECK_MODE_TEXT} {checked_here_line(result).capitalize()}.", ""]
    return out


def render(result: GradingResult) -> str:
    """The whole feedback as markdown."""
    out = _header(result)
    if result.problems:
        out += ["## Start here: your system did not run as expected", ""]
        out += [f"- {problem}" for problem in result.problems]
        out += ["", 'Every check below depends on this; see "Your services" for the output.', ""]
    if result.status == "graded":
        if result.checks:
            out += ["## Checks", ""]
            for check in result.checks:
                out += [render_check(result, check), ""]
        if result.loads:
            out += ["## Load", ""]
            for load in result.loads:
                out += [render_load(result, load), ""]
    if result.services:
        out += ["## Your services", ""]
        for service in result.services:
            out += [render_service(service), ""]
    out += ["## This run", "", f"Timings: {timings_line(result)}.", ""]
    if result.ignored_changes:
        out += ["These files outside your lab folder were not used:", ""]
        out += [f"- `{p}`" for p in result.ignored_changes] + [""]
    if result.notes:
        out += ["Notes:", ""] + [f"- {n}" for n in result.notes] + [""]
    return "\n".join(out).rstrip() + "\n"


def write(result: GradingResult, out_dir: Path) -> Path:
    """Write `feedback.md` into `out_dir` and return its path."""
    path = out_dir / FILENAME
    path.write_text(render(result), encoding="utf-8")
    return path


__all__ = ["FILENAME", "render", "render_check", "render_load", "write"]
