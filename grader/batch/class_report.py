"""`report.html`: one lab across a whole class, for the instructor.

It answers what the per-student reports cannot: which concepts the class is
missing (checks sorted by pass rate), how scores are spread, and where the load
figures fall against their bounds. It is one static file, opened from a disk, a
mail attachment or an LMS upload, offline: charts are inline SVG, CSS and the few
lines of script are inline, and a Content-Security-Policy forbids every fetch.

Threat model: folder names and messages come from students. Every one of them is
escaped, and the policy only runs the page's own script (by its hash), so even an
escaping bug could not run a student's script.
"""

from __future__ import annotations

import base64
import hashlib
import html
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from grader.batch import charts
from grader.report._format import fmt_num, fmt_points, full_marks, status_word, truncate
from grader.result import CheckResult, GradingResult, LoadResult, ThresholdResult

ERROR_CHARS = 300

PartKind = Literal["check", "load"]


@dataclass(frozen=True)
class StudentEntry:
    """One student's grading as the batch saw it."""

    student: str
    """The submission's folder name (student-controlled: always escaped)."""
    result: GradingResult | None
    """None: the grading itself failed, so there is no result at all."""
    feedback_href: str | None
    """That student's feedback.md as a URL relative to report.html, already
    percent-encoded (`quote(folder)`), so `#` or `?` in a folder name still links."""
    wall_s: float


def write_class_report(
    lab_id: str, lab_title: str, entries: list[StudentEntry], out_file: Path
) -> Path:
    """Write report.html (its folder is created if needed) and return its path."""
    out_file.parent.mkdir(parents=True, exist_ok=True)
    page = render_class_report(lab_id, lab_title, entries, datetime.now(UTC))
    out_file.write_text(page, encoding="utf-8")
    return out_file


def render_class_report(
    lab_id: str, lab_title: str, entries: Sequence[StudentEntry], generated_at: datetime
) -> str:
    """The whole page; the time is a parameter so the same class renders the same bytes."""
    graded = [e.result for e in entries if _status(e) == "graded" and e.result is not None]
    parts = _parts(graded)
    body = "\n".join(
        [
            _header(lab_id, lab_title, entries, graded, generated_at),
            _scores_section(entries, graded),
            _parts_section(parts),
            _loads_section(graded),
            _students_section(entries, parts),
        ]
    )
    title = html.escape(f"Lab {lab_id}: {lab_title} — class report")
    return _PAGE.format(csp=_CSP, script=_SCRIPT, style=_STYLE, title=title, body=body)


# --- the class in numbers ---------------------------------------------------------

RowStatus = Literal[
    "graded", "not_submitted", "infrastructure_error", "interrupted", "grading_failed"
]
_STATUS_WORDS: dict[RowStatus, str] = {
    "graded": "graded",
    "not_submitted": "nothing submitted",
    "infrastructure_error": "infrastructure error",
    "interrupted": "interrupted",
    "grading_failed": "grading failed",
}


def _status(entry: StudentEntry) -> RowStatus:
    result = entry.result
    if result is None:
        return "grading_failed"
    if result.status == "graded" and result.score is not None:
        return "graded"
    if result.status in ("not_submitted", "interrupted"):
        return result.status
    return "infrastructure_error"


def _percent(result: GradingResult) -> float:
    return 100 * (result.score or 0.0) / result.max_score if result.max_score > 0 else 0.0


def _fraction(part: CheckResult | LoadResult) -> float:
    """A 0-point check is trivially passed, so it counts as full marks, not 0/0."""
    return part.points / part.max_points if part.max_points > 0 else 1.0


def _scored_parts(result: GradingResult) -> list[tuple[PartKind, CheckResult | LoadResult]]:
    return [("check", c) for c in result.checks] + [("load", lo) for lo in result.loads]


@dataclass(frozen=True)
class _Part:
    """A check or load check across the graded students who have it."""

    kind: PartKind
    name: str
    title: str
    concept: str
    fractions: tuple[float, ...]
    passed: int

    @property
    def pass_rate(self) -> float:
        return self.passed / len(self.fractions)

    @property
    def mean_fraction(self) -> float:
        return statistics.fmean(self.fractions)


def _parts(graded: list[GradingResult]) -> list[_Part]:
    """Every check and load check, in the manifest's order (as the results list them)."""
    found: dict[tuple[PartKind, str], list[CheckResult | LoadResult]] = {}
    for result in graded:
        for kind, part in _scored_parts(result):
            found.setdefault((kind, part.name), []).append(part)
    return [
        _Part(
            kind=kind,
            name=name,
            title=seen[0].title,
            concept=seen[0].concept,
            fractions=tuple(_fraction(p) for p in seen),
            passed=sum(full_marks(p.points, p.max_points) for p in seen),
        )
        for (kind, name), seen in found.items()
    ]


@dataclass
class _Threshold:
    """One threshold of one load check across the graded students."""

    figure: str
    endpoint: str | None
    label: str
    gate: bool
    values: list[float] = field(default_factory=list)
    fractions: list[float] = field(default_factory=list)
    goods: list[float] = field(default_factory=list)
    bads: list[float] = field(default_factory=list)
    missing: int = 0

    def add(self, threshold: ThresholdResult) -> None:
        self.goods.append(threshold.good)
        self.bads.append(threshold.bad)
        if threshold.value is None or threshold.value != threshold.value:  # None or NaN
            self.missing += 1
            return
        self.values.append(threshold.value)
        self.fractions.append(threshold.fraction)

    @property
    def title(self) -> str:
        name = " · ".join(filter(None, [self.figure, self.endpoint]))
        return f"{name} (gate)" if self.gate else name

    @property
    def met(self) -> int:
        return sum(full_marks(f, 1.0) for f in self.fractions)

    @property
    def bounds_vary(self) -> bool:
        """Relative bounds follow the reference's figures, which may differ per run."""
        return len(set(self.goods)) > 1 or len(set(self.bads)) > 1

    def series(self) -> charts.ThresholdSeries:
        good, bad = statistics.median(self.goods), statistics.median(self.bads)
        return charts.ThresholdSeries(self.title, self.values, self.fractions, good, bad)


def _thresholds(graded: list[GradingResult]) -> dict[str, tuple[str, list[_Threshold]]]:
    """Per load check name: its title and its thresholds, in the manifest's order."""
    loads: dict[str, tuple[str, dict[tuple[str, str | None], _Threshold]]] = {}
    for result in graded:
        for load in result.loads:
            _, by_key = loads.setdefault(load.name, (load.title, {}))
            for t in load.thresholds:
                key = (t.figure, t.endpoint)
                by_key.setdefault(key, _Threshold(t.figure, t.endpoint, t.label, t.gate)).add(t)
    return {name: (title, list(by_key.values())) for name, (title, by_key) in loads.items()}


# --- sections ---------------------------------------------------------------------


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _chart(chart_id: str, svg: str, caption: str) -> str:
    """A chart; `caption` is HTML the caller has already escaped."""
    return (
        f'<figure class="chart" id="{_esc(chart_id)}">\n{svg}\n'
        f"<figcaption>{caption}</figcaption>\n</figure>"
    )


def _header(
    lab_id: str,
    lab_title: str,
    entries: Sequence[StudentEntry],
    graded: list[GradingResult],
    generated_at: datetime,
) -> str:
    counts = {s: sum(_status(e) == s for e in entries) for s in _STATUS_WORDS}
    percents = [_percent(r) for r in graded]
    mean = f"{statistics.fmean(percents):.1f} %" if percents else "n/a"
    median = f"{statistics.median(percents):.1f} %" if percents else "n/a"
    items = [
        ("students", str(len(entries))),
        ("graded", str(counts["graded"])),
        ("nothing submitted", str(counts["not_submitted"])),
        ("infrastructure errors", str(counts["infrastructure_error"])),
        ("interrupted", str(counts["interrupted"])),
        ("grading failed", str(counts["grading_failed"])),
        ("mean score", mean),
        ("median score", median),
    ]
    summary = "".join(f"<div><dt>{_esc(k)}</dt><dd>{_esc(v)}</dd></div>" for k, v in items)
    stamp = generated_at.astimezone(UTC)
    return (
        f"<header>\n<h1>Lab {_esc(lab_id)}: {_esc(lab_title)}</h1>\n"
        f'<dl class="summary">{summary}</dl>\n'
        f'<p class="note">Generated <time datetime="{stamp.isoformat(timespec="seconds")}">'
        f"{stamp:%Y-%m-%d %H:%M} UTC</time>.</p>\n</header>"
    )


def _scores_section(entries: Sequence[StudentEntry], graded: list[GradingResult]) -> str:
    head = '<section id="scores">\n<h2>Scores</h2>\n'
    if not graded:
        return head + "<p>No student was graded, so there are no scores to show.</p>\n</section>"
    left_out = len(entries) - len(graded)
    caption = f"Scores of the {len(graded)} graded students as a share of the maximum." + (
        f" Not shown: {left_out} not graded (nothing submitted, infrastructure error, "
        "interrupted or grading failed)."
        if left_out
        else ""
    )
    svg = charts.score_histogram("score-histogram", [_percent(r) for r in graded])
    return head + _chart("score-histogram", svg, _esc(caption)) + "\n</section>"


def _parts_section(parts: list[_Part]) -> str:
    head = '<section id="checks">\n<h2>What the class is missing</h2>\n'
    if not parts:
        return head + "<p>No graded student, so no checks to compare.</p>\n</section>"
    ranked = sorted(parts, key=lambda p: (p.pass_rate, p.mean_fraction))
    rows = [charts.RateRow(_part_label(p), p.pass_rate, p.mean_fraction) for p in ranked]
    svg = charts.pass_rates("check-pass-rates", rows)
    caption = (
        "Checks and load checks, the least passed first: the share of graded students "
        "with full points on each, and their mean share of its points."
    )
    table_rows = "\n".join(
        f'<tr><td>{_esc(p.title)}<span class="note">{_esc(p.name)}</span></td>'
        f"<td>{p.kind}</td><td>{_esc(p.concept)}</td>"
        f'<td class="num">{p.passed} / {len(p.fractions)} ({p.pass_rate:.0%})</td>'
        f'<td class="num">{p.mean_fraction:.0%}</td></tr>'
        for p in ranked
    )
    table = (
        "<table>\n<thead><tr><th>check</th><th>kind</th><th>concept</th>"
        '<th class="num">full points</th><th class="num">mean share of points</th></tr></thead>\n'
        f"<tbody>\n{table_rows}\n</tbody>\n</table>"
    )
    return head + _chart("check-pass-rates", svg, _esc(caption)) + "\n" + table + "\n</section>"


def _part_label(part: _Part) -> str:
    return f"{part.title} (load)" if part.kind == "load" else part.title


def _loads_section(graded: list[GradingResult]) -> str:
    loads = _thresholds(graded)
    if not loads:
        return ""
    blocks = [
        _load_block(index, name, title, thresholds)
        for index, (name, (title, thresholds)) in enumerate(loads.items())
    ]
    return '<section id="loads">\n<h2>Load figures</h2>\n' + "\n".join(blocks) + "\n</section>"


def _load_block(index: int, name: str, title: str, thresholds: list[_Threshold]) -> str:
    head = f'<h3>{_esc(title)} <span class="note">{_esc(name)}</span></h3>\n'
    plotted = [t for t in thresholds if t.values]
    chart = ""
    if plotted:
        chart_id = f"load-{index}"
        notes = [
            "Each dot is a graded student (green: full points on that threshold, orange: "
            "some, red: none), over a box plot, between the good and the bad bound."
        ]
        if any(t.missing for t in thresholds):
            notes.append("Students without a value are left out and counted in the table.")
        if any(t.bounds_vary for t in plotted):
            notes.append(
                "Bounds differ between students (relative to the reference run): "
                "the lines show their median."
            )
        svg = charts.threshold_strips(chart_id, [t.series() for t in plotted])
        chart = _chart(chart_id, svg, _esc(" ".join(notes))) + "\n"
    rows = "\n".join(
        f"<tr><td>{_esc(t.title)}</td><td>{_esc(t.label)}</td>"
        f'<td class="num">{_esc(fmt_num(statistics.median(t.goods)))}</td>'
        f'<td class="num">{_esc(fmt_num(statistics.median(t.bads)))}</td>'
        f'<td class="num">{_esc(fmt_num(statistics.median(t.values)) if t.values else "n/a")}</td>'
        f'<td class="num">{t.met} / {len(t.goods)}</td><td class="num">{t.missing}</td></tr>'
        for t in thresholds
    )
    table = (
        '<table>\n<thead><tr><th>threshold</th><th>measures</th><th class="num">good</th>'
        '<th class="num">bad</th><th class="num">median</th><th class="num">met by</th>'
        '<th class="num">no value</th></tr></thead>\n'
        f"<tbody>\n{rows}\n</tbody>\n</table>"
    )
    return head + chart + table


def _students_section(entries: Sequence[StudentEntry], parts: list[_Part]) -> str:
    columns = [
        ("student", False, ""),
        ("status", False, ""),
        ("score", True, ""),
        ("%", True, ""),
        *((p.name, True, _part_label(p)) for p in parts),
        ("wall time", True, ""),
        ("feedback", False, ""),
    ]
    header = "".join(_th(name, numeric, tip) for name, numeric, tip in columns)
    rows = "\n".join(_student_row(e, parts) for e in entries)
    return (
        '<section id="students">\n<h2>Students</h2>\n'
        '<p class="note">Click a column header to sort.</p>\n'
        f'<div class="wide"><table class="sortable">\n<thead><tr>{header}</tr></thead>\n'
        f"<tbody>\n{rows}\n</tbody>\n</table></div>\n</section>"
    )


def _th(name: str, numeric: bool, tip: str) -> str:
    """A header cell; numeric columns sort as numbers, and a tip shows the full title."""
    attributes = ' class="num" data-type="number"' if numeric else ""
    if tip:
        attributes += f' title="{_esc(tip)}"'
    return f"<th{attributes}>{_esc(name)}</th>"


def _student_row(entry: StudentEntry, parts: list[_Part]) -> str:
    status = _status(entry)
    result = entry.result
    status_cell = _esc(_STATUS_WORDS[status])
    if result is not None and status != "graded" and result.error:
        status_cell += f'<span class="note">{_esc(truncate(result.error, ERROR_CHARS))}</span>'
    cells = [
        f"<td>{_esc(entry.student)}</td>",
        f'<td class="status-{status}">{status_cell}</td>',
    ]
    if status == "graded" and result is not None:
        own = {(kind, p.name): p for kind, p in _scored_parts(result)}
        cells += [
            _num_cell(
                result.score or 0.0, f"{fmt_points(result.score)} / {fmt_points(result.max_score)}"
            ),
            _num_cell(_percent(result), f"{_percent(result):.0f} %"),
            *(_part_cell(own.get((p.kind, p.name))) for p in parts),
        ]
    else:
        cells += [_EMPTY_CELL] * (2 + len(parts))
    cells.append(_num_cell(entry.wall_s, f"{fmt_num(entry.wall_s)} s"))
    cells.append(_feedback_cell(entry.feedback_href))
    return f"<tr>{''.join(cells)}</tr>"


_EMPTY_CELL = '<td class="num" data-sort="">—</td>'


def _num_cell(value: float, text: str) -> str:
    return f'<td class="num" data-sort="{float(value)!r}">{_esc(text)}</td>'


def _part_cell(part: CheckResult | LoadResult | None) -> str:
    if part is None:
        return _EMPTY_CELL
    tone = status_word(part.points, part.max_points)
    return (
        f'<td class="num {tone}" data-sort="{float(part.points)!r}" '
        f'title="of {_esc(fmt_points(part.max_points))}">{_esc(fmt_points(part.points))}</td>'
    )


def _feedback_cell(href: str | None) -> str:
    """Always a link next to the page: after `./` no scheme (`javascript:`) and no
    host (`//host/...`) can follow, whatever the href holds."""
    if href is None:
        return "<td>—</td>"
    return f'<td><a href="./{_esc(href)}">feedback.md</a></td>'


# --- the page ---------------------------------------------------------------------

# Runs first: it counts every error (script, console, blocked by the policy) so a
# headless browser can prove the page is clean, then on load records how many
# charts actually have a size. It also makes the student table sortable.
_SCRIPT = """
(function () {
  "use strict";
  var root = document.documentElement;
  var errors = 0;
  // Kept current: a policy violation is reported in a task that may run after load.
  function count() { errors += 1; root.setAttribute("data-errors", String(errors)); }
  window.addEventListener("error", count, true);
  window.addEventListener("unhandledrejection", count);
  document.addEventListener("securitypolicyviolation", count);
  var consoleError = console.error;
  console.error = function () { count(); return consoleError.apply(console, arguments); };
  function sortBy(table, th, column) {
    var numeric = th.dataset.type === "number";
    var direction = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    var body = table.tBodies[0];
    function key(row) {
      var cell = row.cells[column];
      var text = cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent;
      if (!numeric) { return text.toLowerCase(); }
      return text === "" ? -Infinity : Number(text);
    }
    function compare(a, b) { return (key(a) > key(b) ? 1 : key(a) < key(b) ? -1 : 0) * direction; }
    Array.prototype.slice.call(body.rows).sort(compare)
      .forEach(function (row) { body.appendChild(row); });
    table.querySelectorAll("th").forEach(function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", direction === 1 ? "ascending" : "descending");
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table.sortable").forEach(function (table) {
      table.querySelectorAll("th").forEach(function (th, column) {
        th.addEventListener("click", function () { sortBy(table, th, column); });
      });
    });
  });
  window.addEventListener("load", function () {
    var rendered = 0;
    document.querySelectorAll("figure.chart > svg").forEach(function (svg) {
      var box = svg.getBoundingClientRect();
      if (box.width > 0 && box.height > 0) { rendered += 1; }
    });
    root.setAttribute("data-charts-rendered", String(rendered));
    root.setAttribute("data-errors", String(errors));
  });
})();
"""

_SCRIPT_HASH = base64.b64encode(hashlib.sha256(_SCRIPT.encode("utf-8")).digest()).decode()
# Nothing may be fetched; only the script above runs. Styles must be inline because
# matplotlib's SVG styles every element with a `style` attribute.
_CSP = (
    f"default-src 'none'; script-src 'sha256-{_SCRIPT_HASH}'; "
    "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
)

_STYLE = """
body { font-family: system-ui, sans-serif; color: #222; line-height: 1.4;
       max-width: 72rem; margin: 2rem auto; padding: 0 1rem; }
dl.summary { display: flex; flex-wrap: wrap; gap: 0.5rem 2rem; margin: 1rem 0; }
dl.summary dt { font-size: 0.8rem; color: #555; }
dl.summary dd { margin: 0; font-size: 1.3rem; font-weight: 600; }
figure.chart { margin: 1rem 0; }
figure.chart > svg { display: block; max-width: 100%; height: auto; }
figcaption, .note { font-size: 0.85rem; color: #555; }
.note { display: block; }
h3 .note { display: inline; font-weight: normal; }
.wide { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.9rem; margin: 1rem 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: left;
         vertical-align: top; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.sortable th { cursor: pointer; user-select: none; }
th[aria-sort="ascending"]::after { content: " \\25B2"; }
th[aria-sort="descending"]::after { content: " \\25BC"; }
.passed { color: #1a7f37; } .partial { color: #b35900; } .failed { color: #c62828; }
.status-infrastructure_error, .status-grading_failed, .status-interrupted { background: #fdecea; }
.status-not_submitted { background: #f3f3f3; }
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<script>{script}</script>
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{style}</style>
</head>
<body>
{body}
</body>
</html>
"""
