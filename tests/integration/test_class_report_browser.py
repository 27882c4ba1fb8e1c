"""The class report in a real browser (Debian's headless Chromium), opened from disk.

String checks cannot tell whether a page's script throws or whether an inline SVG
has a size; a browser can. The page itself counts errors and sized charts and
writes both onto <html>; `--dump-dom` gives them back, and Chromium's own log
must not show a console message from the page. A broken page must be caught by the
same probe, or the probe proves nothing: the last tests break it on purpose.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from grader.batch.class_report import StudentEntry, write_class_report
from grader.result import CheckResult, GradingResult, LoadResult, LoadStats, ThresholdResult

MAIN_BLUE = (0x2C, 0x7B, 0xB6)  # the histogram's bars (grader/batch/charts.py)


# --- a class ----------------------------------------------------------------------


def _threshold(
    figure: str, endpoint: str | None, value: float | None, good: float, bad: float
) -> ThresholdResult:
    if value is None:
        fraction = 0.0
    else:
        fraction = min(1.0, max(0.0, (value - bad) / (good - bad))) if good != bad else 1.0
    return ThresholdResult(figure, endpoint, figure, value, good, bad, fraction, False, 1)


def _student(i: int) -> GradingResult:
    """A spread of students: deterministic, with every kind of outcome."""
    spread = (i * 7) % 11 / 10
    checks = [
        CheckResult(f"check-{k}", f"Check {k}", f"Concept {k}.", p, 10, True, "after_published")
        for k, p in enumerate([10, 10 * spread, 5 if i % 3 else 10, 0 if i % 4 == 0 else 10])
    ]
    loads = [
        LoadResult(
            "reads",
            "Reads under load",
            "Reads must not wait.",
            20 * spread,
            20,
            LoadStats(),
            [
                _threshold("p95_ms", "read", 100 + 900 * spread, 250, 1500),
                _threshold("fail_ratio", None, None if i == 3 else 0.01 * spread, 0.001, 0.05),
            ],
        ),
        LoadResult(
            "noisy",
            "A noisy neighbour",
            "Tenants are isolated.",
            10 if i % 2 else 0,
            10,
            LoadStats(),
            [_threshold("throttled_ratio", None, 0.9 if i % 2 else 0.4, 0.5, 0.0)],
        ),
    ]
    score = sum(c.points for c in checks) + sum(lo.points for lo in loads)
    return GradingResult(
        "03", "Event sourcing", f"/s/{i}", "grade", "graded", score, 70, checks, loads
    )


def _class() -> list[StudentEntry]:
    entries = [
        StudentEntry(f"student-{i:02}", _student(i), f"student-{i:02}/feedback.md", 30 + i)
        for i in range(24)
    ]
    broken = replace(
        _student(0), status="infrastructure_error", score=None, error="<b>no broker</b>"
    )
    return [
        *entries,
        StudentEntry("infra", broken, "infra/feedback.md", 5),
        StudentEntry("<script>alert(1)</script>", None, None, 1),
    ]


def _charts_in(page: Path) -> int:
    return len(re.findall(r'<figure class="chart" ', page.read_text(encoding="utf-8")))


# --- tests ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The class's report, written once: charts take a moment to draw."""
    out = tmp_path_factory.mktemp("class") / "report.html"
    return write_class_report("03", "Event sourcing", _class(), out)


def test_the_report_loads_without_errors_and_every_chart_is_drawn(
    report: Path, load_in_browser
) -> None:
    probe, console = load_in_browser(report)
    assert _charts_in(report) == 4  # histogram, pass rates, one per load check
    assert probe.get("data-errors") == "0", console
    assert probe.get("data-charts-rendered") == "4"
    assert console == []


def test_a_class_without_any_score_loads_cleanly(tmp_path: Path, load_in_browser) -> None:
    entries = [e for e in _class() if e.result is None or e.result.status != "graded"]
    page = write_class_report("03", "Event sourcing", entries, tmp_path / "report.html")
    probe, console = load_in_browser(page)
    assert _charts_in(page) == 0
    assert probe.get("data-errors") == "0", console
    assert probe.get("data-charts-rendered") == "0"
    assert console == []


def test_the_screenshot_shows_the_charts(report: Path, tmp_path: Path, chromium) -> None:
    image_module = pytest.importorskip("PIL.Image")
    shot = tmp_path / "shot.png"
    chromium(f"--screenshot={shot}", "--window-size=1280,2000", report.as_uri())
    with image_module.open(shot) as image:
        assert image.size == (1280, 2000)
        pixels = image.convert("RGB")
        colours = pixels.getcolors(maxcolors=1 << 20)
    assert colours is not None
    assert len(colours) > 50, "a blank or near-blank page"
    blue = sum(
        n for n, rgb in colours if all(abs(a - b) <= 8 for a, b in zip(rgb, MAIN_BLUE, strict=True))
    )
    assert blue > 1000, "the histogram's bars are not on screen"


@pytest.mark.parametrize(
    "keep_policy, expected",
    [
        (False, "Uncaught ReferenceError"),  # no policy: the injected script runs and throws
        (True, "Content Security Policy"),  # the policy refuses the injected script
    ],
    ids=["uncaught-error", "refused-by-policy"],
)
def test_the_probe_catches_a_broken_page(
    report: Path, tmp_path: Path, keep_policy: bool, expected: str, load_in_browser
) -> None:
    broken = report.read_text(encoding="utf-8")
    if not keep_policy:
        broken = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", broken)
    broken = broken.replace("</body>", "<script>notDefinedAnywhere();</script>\n</body>")
    page = tmp_path / "report.html"
    page.write_text(broken, encoding="utf-8")
    probe, console = load_in_browser(page)
    assert int(probe.get("data-errors") or 0) >= 1
    assert probe.get("data-charts-rendered") == "4"
    assert any(expected in line for line in console), console
