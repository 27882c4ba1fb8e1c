"""The class report (report.html): one self-contained page that shows the class's
scores, what it is missing and its load figures, and that a student's folder name
or message cannot turn into markup or script."""

from __future__ import annotations

import base64
import hashlib
import re
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from grader.batch import charts
from grader.batch.class_report import StudentEntry, render_class_report, write_class_report
from grader.result import CheckResult, GradingResult, LoadResult, LoadStats, ThresholdResult

NOW = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
EVIL_NAME = "<script>alert(1)</script>"
EVIL_ERROR = 'broker died: <img src=x onerror="alert(2)">'
MISSED_CONCEPT = "Offsets must commit with the state & nothing else."


class _Tags(HTMLParser):
    """Every start tag with its attributes, in document order."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def with_tag(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.tags if tag == name]


def _check(name: str, points: float, max_points: float = 10, concept: str = "") -> CheckResult:
    return CheckResult(
        name=name,
        title=f"Title of {name} ($5 of compute)",  # a `$` must not start mathtext
        concept=concept or f"Concept of {name}.",
        points=points,
        max_points=max_points,
        hidden=True,
        visibility="after_published",
    )


def _p95(value: float | None) -> ThresholdResult:
    fraction = 0.0 if value is None else min(1.0, max(0.0, (1500 - value) / (1500 - 250)))
    return ThresholdResult(
        "p95_ms", "predict", "p95_ms predict", value, 250, 1500, fraction, False, 1
    )


def _gate(value: float | None) -> ThresholdResult:
    fraction = 1.0 if value == 0 else 0.0
    return ThresholdResult(
        "wrong_answers", None, "wrong answers", value, 0.0, 1.0, fraction, True, 1
    )


def _graded(
    smoke: float, exactly_once: float, p95: float | None, wrong: float | None = 0.0
) -> GradingResult:
    load_points = 20.0 if (p95 or 9999) <= 250 and wrong == 0 else 5.0
    checks = [_check("smoke", smoke), _check("exactly-once", exactly_once, 30, MISSED_CONCEPT)]
    load = LoadResult(
        name="reads-under-load",
        title="Reads while the projector catches up",
        concept="Reads must not wait for the projector.",
        points=load_points,
        max_points=20,
        stats=LoadStats(),
        thresholds=[_gate(wrong), _p95(p95)],
    )
    score = smoke + exactly_once + load_points
    return GradingResult(
        lab="03",
        title="Event sourcing",
        submission="/tmp/x",
        mode="grade",
        status="graded",
        score=score,
        max_score=60,
        checks=checks,
        loads=[load],
    )


def _infra_error() -> GradingResult:
    return replace(_graded(0, 0, None), status="infrastructure_error", score=None, error=EVIL_ERROR)


def _entry(student: str, result: GradingResult | None, wall_s: float = 42.0) -> StudentEntry:
    return StudentEntry(student, result, f"{student}/feedback.md", wall_s)


def _class() -> list[StudentEntry]:
    return [
        _entry("alice", _graded(10, 30, 120)),
        _entry("bob", _graded(10, 0, 900)),
        _entry("carol", _graded(5, 30, 300)),
        _entry("dave", _graded(10, 15, 1700, wrong=3)),
        _entry("erin", _infra_error()),
        StudentEntry(EVIL_NAME, None, None, 1.0),
    ]


def _render(entries: list[StudentEntry]) -> str:
    return render_class_report("03", "Event sourcing", entries, NOW)


@pytest.fixture(scope="module")
def page() -> str:
    """The usual class, rendered once: charts take a moment to draw."""
    return _render(_class())


def _chart_ids(page: str) -> list[str]:
    return [str(a["id"]) for a in _Tags(page).with_tag("figure") if a.get("class") == "chart"]


def _student_rows(page: str) -> list[str]:
    students = page[page.index('<section id="students">') :]
    return re.findall(r"<tr><td>(.*?)</td>", students)


# --- structure --------------------------------------------------------------------


def test_a_class_gets_a_histogram_a_pass_rate_chart_and_one_chart_per_load(page: str) -> None:
    assert _chart_ids(page) == ["score-histogram", "check-pass-rates", "load-0"]
    for chart_id in _chart_ids(page):
        figure = page[page.index(f'id="{chart_id}"') :]
        figure = figure[: figure.index("</figure>")]
        assert figure.count("<svg") == 1
        assert "<figcaption>" in figure
    assert "<?xml" not in page
    assert "<!DOCTYPE svg" not in page


def test_the_header_counts_graded_and_failed_runs(page: str) -> None:
    summary = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", page))
    assert summary["students"] == "6"
    assert summary["graded"] == "4"
    assert summary["infrastructure errors"] == "1"
    assert summary["grading failed"] == "1"
    # scores 60/60, 15/60, 40/60 and 30/60: mean 60.4 %, median 58.3 %
    assert summary["mean score"] == "60.4 %"
    assert summary["median score"] == "58.3 %"
    assert '<time datetime="2025-03-01T12:30:00+00:00">2025-03-01 12:30 UTC</time>' in page
    assert "Not shown: 2 not graded" in page


def test_every_student_has_a_row_with_points_and_a_feedback_link(page: str) -> None:
    assert _student_rows(page) == [
        "alice",
        "bob",
        "carol",
        "dave",
        "erin",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
    ]
    hrefs = [a["href"] for a in _Tags(page).with_tag("a")]
    assert hrefs == [f"./{name}/feedback.md" for name in ["alice", "bob", "carol", "dave", "erin"]]
    alice = re.search(r"<tr><td>alice</td>.*?</tr>", page)
    assert alice is not None
    assert "60 / 60" in alice.group(0)
    assert 'data-sort="30.0"' in alice.group(0)  # exactly-once: full points, sortable as a number


def test_checks_are_ranked_with_the_most_missed_concept_first(page: str) -> None:
    checks = page[page.index('<section id="checks">') : page.index('<section id="loads">')]
    order = re.findall(r'<span class="note">([a-z-]+)</span></td>', checks)
    assert order == ["reads-under-load", "exactly-once", "smoke"]
    assert "1 / 4 (25%)" in checks  # the load check: only alice got full points
    assert "2 / 4 (50%)" in checks  # exactly-once
    assert "Offsets must commit with the state &amp; nothing else." in checks


def test_load_thresholds_show_every_value_against_their_bounds(page: str) -> None:
    loads = page[page.index('<section id="loads">') : page.index('<section id="students">')]
    assert "p95_ms · predict" in loads
    assert "wrong_answers (gate)" in loads
    p95_row = re.search(r"<tr><td>p95_ms · predict</td>.*?</tr>", loads)
    assert p95_row is not None
    cells = re.findall(r'<td class="num">(.*?)</td>', p95_row.group(0))
    assert cells == ["250", "1500", "600", "1 / 4", "0"]  # good, bad, median, met, no value


# --- safety -----------------------------------------------------------------------


def test_student_text_is_escaped_and_only_the_pages_own_script_runs() -> None:
    entries = [
        *_class(),
        StudentEntry("mallory", _graded(10, 30, 100), "javascript:alert(3)", 1.0),
        StudentEntry("trudy", _graded(10, 30, 100), "//evil.example/feedback.md", 1.0),
    ]
    page = _render(entries)
    assert EVIL_NAME not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in page
    tags = _Tags(page)
    assert len(tags.with_tag("script")) == 1
    assert not [attrs for _, attrs in tags.tags if any(k.startswith("on") for k in attrs)]
    hrefs = [str(a["href"]) for a in tags.with_tag("a")]
    assert "./javascript:alert(3)" in hrefs  # a file next to the page, not a scheme
    assert all(urlsplit(h).scheme == "" and urlsplit(h).netloc == "" for h in hrefs)


def test_the_policy_allows_exactly_the_pages_script(page: str) -> None:
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    script = re.search(r"<script>(.*?)</script>", page, re.S)
    assert policy is not None
    assert script is not None
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy.group(1)
    assert "default-src 'none'" in policy.group(1)


def test_nothing_is_fetched_from_anywhere(page: str) -> None:
    for _, attrs in _Tags(page).tags:
        for name in ("src", "href", "xlink:href", "action", "data"):
            value = (attrs.get(name) or "").strip().lower()
            assert not re.match(r"^(https?:|//|data:text/html)", value), (name, value)
    assert not re.search(r"url\(\s*['\"]?(https?:|//)", page)
    assert "@import" not in page
    assert "<link" not in page


def test_ids_are_unique_across_all_charts(page: str) -> None:
    ids = Counter(str(attrs["id"]) for _, attrs in _Tags(page).tags if "id" in attrs)
    assert ids, "charts have ids"
    assert [i for i, n in ids.items() if n > 1] == []
    for ref in re.findall(r'(?:url\(#|href="#)([^")]+)', page):
        assert ref in ids, ref


def test_the_same_class_renders_the_same_bytes(page: str) -> None:
    assert _render(_class()) == page


# --- edge cases -------------------------------------------------------------------


def test_no_students_at_all() -> None:
    page = _render([])
    assert _chart_ids(page) == []
    assert "No student was graded" in page
    assert _student_rows(page) == []


def test_only_infrastructure_errors() -> None:
    entries = [_entry("a", _infra_error()), _entry("b", _infra_error()), _entry("c", None)]
    page = _render(entries)
    assert _chart_ids(page) == []
    summary = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", page))
    assert summary["graded"] == "0"
    assert summary["infrastructure errors"] == "2"
    assert summary["mean score"] == "n/a"
    assert _student_rows(page) == ["a", "b", "c"]


def test_a_lab_without_load_checks() -> None:
    entries = [
        _entry(name, replace(result, loads=[]))
        for name, result in [("a", _graded(10, 30, 100)), ("b", _graded(0, 10, 100))]
    ]
    page = _render(entries)
    assert _chart_ids(page) == ["score-histogram", "check-pass-rates"]
    assert 'id="loads"' not in page


def test_a_threshold_without_a_value_is_left_out_and_counted() -> None:
    entries = [_entry("a", _graded(10, 30, 100)), _entry("b", _graded(10, 30, None, wrong=None))]
    page = _render(entries)
    assert _chart_ids(page) == ["score-histogram", "check-pass-rates", "load-0"]
    p95_row = re.search(r"<tr><td>p95_ms · predict</td>.*?</tr>", page)
    assert p95_row is not None
    assert p95_row.group(0).endswith('<td class="num">1 / 2</td><td class="num">1</td></tr>')
    assert "Students without a value are left out" in page


def test_a_load_with_no_value_at_all_gets_a_table_but_no_chart() -> None:
    page = _render([_entry("a", _graded(10, 30, None, wrong=None))])
    assert _chart_ids(page) == ["score-histogram", "check-pass-rates"]
    assert "<td>p95_ms · predict</td>" in page
    assert '<td class="num">n/a</td>' in page


def test_write_creates_the_folder_and_returns_the_file(tmp_path: Path) -> None:
    out = write_class_report("03", "Event sourcing", _class(), tmp_path / "batch" / "report.html")
    assert out == tmp_path / "batch" / "report.html"
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# --- charts -----------------------------------------------------------------------


def test_inline_svg_drops_the_prolog_and_prefixes_every_id() -> None:
    document = (
        '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "x" "y">\n'
        '<svg><defs><path id="m1"/></defs><g id="axes_1" clip-path="url(#p2)">'
        '<use xlink:href="#m1"/></g></svg>\n'
    )
    assert charts.inline_svg(document, "c") == (
        '<svg><defs><path id="c-m1"/></defs><g id="c-axes_1" clip-path="url(#c-p2)">'
        '<use xlink:href="#c-m1"/></g></svg>'
    )


@pytest.mark.parametrize("good, bad", [(250.0, 1500.0), (0.5, 0.0), (1.0, 1.0)])
def test_threshold_strips_draw_either_direction_and_equal_bounds(good: float, bad: float) -> None:
    series = charts.ThresholdSeries("x", [0.2, 0.7, 0.7], [1.0, 0.5, 0.0], good, bad)
    svg = charts.threshold_strips("t", [series])
    assert svg.startswith("<svg")
    assert "good bound (full points)" in svg
