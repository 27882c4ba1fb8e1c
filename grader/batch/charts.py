"""The class report's charts, drawn with matplotlib and returned as inline SVG.

Why it is done this way:

- `Figure` objects on an explicit Agg canvas, never pyplot: pyplot keeps global
  state (a current figure, a backend picked from the environment) and is not
  thread-safe, and the batch grader may render from any thread on a headless box.
- rcParams are process-global, so the style, and `svg.hashsalt`, which makes the
  generated ids reproducible, is applied with `rc_context` under a lock.
- Text stays text (`svg.fonttype: none`): the SVG is small and searchable, and
  matplotlib escapes it. `text.parse_math` is off so a `$` in a title stays a `$`.
- Several SVGs share one HTML document, where ids are global: every id (and every
  reference to one) is prefixed with the chart's own id.

No student-controlled text is ever drawn: charts show check titles from the lab's
manifest and numbers.
"""

from __future__ import annotations

import io
import re
import statistics
import textwrap
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

WIDTH_IN = 8.0
GOOD = "#1a9850"
BAD = "#d73027"
PARTIAL = "#f39c12"
MAIN = "#2c7bb6"
LIGHT = "#abd9e9"

_STYLE = {
    "svg.hashsalt": "labgrade-class-report",
    "svg.fonttype": "none",
    "text.parse_math": False,
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
#: Keys set to None are left out: no date, so the same class renders the same SVG.
_NO_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
_LOCK = threading.Lock()
_ID = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')


@dataclass(frozen=True)
class RateRow:
    """One check (or load check) across the class, as fractions of 0..1."""

    label: str
    pass_rate: float
    mean_fraction: float


@dataclass(frozen=True)
class ThresholdSeries:
    """One threshold's values across the class, each with the student's fraction
    of the threshold's points (it colours the dot: met, partly met, missed)."""

    title: str
    values: Sequence[float]
    fractions: Sequence[float]
    good: float
    bad: float


def score_histogram(chart_id: str, percents: Sequence[float]) -> str:
    """Scores in 10 % bins, with the mean and the median marked."""

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        clipped = [min(max(p, 0.0), 100.0) for p in percents]
        ax.hist(clipped, bins=list(range(0, 101, 10)), color=MAIN, edgecolor="white")
        mean, median = statistics.fmean(clipped), statistics.median(clipped)
        ax.axvline(mean, color="black", linestyle="--", label=f"mean {mean:.1f} %")
        ax.axvline(median, color="black", linestyle=":", label=f"median {median:.1f} %")
        ax.set_xlim(0, 100)
        ax.xaxis.set_major_formatter(PercentFormatter())
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("score (share of the maximum)")
        ax.set_ylabel("students")
        ax.legend(loc="upper left", frameon=False)

    return _render(chart_id, (WIDTH_IN, 3.0), draw)


def pass_rates(chart_id: str, rows: Sequence[RateRow]) -> str:
    """One pair of bars per check, in the given order from the top: the share of
    students with full points, and the mean share of points."""

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        ys = range(len(rows))
        ax.barh(
            [y - 0.2 for y in ys],
            [r.pass_rate * 100 for r in rows],
            height=0.4,
            color=MAIN,
            label="students with full points",
        )
        ax.barh(
            [y + 0.2 for y in ys],
            [r.mean_fraction * 100 for r in rows],
            height=0.4,
            color=LIGHT,
            label="mean share of points",
        )
        for y, row in zip(ys, rows, strict=True):
            ax.text(row.pass_rate * 100 + 1, y - 0.2, f"{row.pass_rate:.0%}", va="center")
        ax.set_yticks(list(ys), labels=[textwrap.fill(r.label, 38) for r in rows])
        ax.invert_yaxis()
        ax.set_xlim(0, 108)
        ax.xaxis.set_major_formatter(PercentFormatter())
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, frameon=False)

    return _render(chart_id, (WIDTH_IN, 1.0 + 0.5 * len(rows)), draw)


def threshold_strips(chart_id: str, series: Sequence[ThresholdSeries]) -> str:
    """One strip per threshold: every student's value as a dot over a box plot,
    between the good bound (full points) and the bad bound (none)."""

    def draw(fig: Figure) -> None:
        axes = fig.subplots(len(series), 1, squeeze=False)[:, 0]
        for ax, one in zip(axes, series, strict=True):
            _strip(ax, one)
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside upper right", ncols=2)

    return _render(chart_id, (WIDTH_IN, 0.6 + 1.1 * len(series)), draw)


def _strip(ax: Axes, one: ThresholdSeries) -> None:
    values = list(one.values)
    lo = min([*values, one.good, one.bad])
    hi = max([*values, one.good, one.bad])
    pad = (hi - lo) * 0.05 or 1.0
    left, right = lo - pad, hi + pad
    lower_is_better = one.good <= one.bad  # a throttled share can be "higher is better"
    good_side = (left, one.good) if lower_is_better else (one.good, right)
    bad_side = (one.bad, right) if lower_is_better else (left, one.bad)
    ax.axvspan(*good_side, color=GOOD, alpha=0.08)
    ax.axvspan(*bad_side, color=BAD, alpha=0.08)
    ax.boxplot(
        values,
        orientation="horizontal",
        positions=[0],
        widths=0.6,
        showfliers=False,
        medianprops={"color": "black"},
    )
    # Golden-ratio offsets: spread like random jitter, but the same on every run.
    jitter = [((i * 0.6180339887) % 1 - 0.5) * 0.5 for i in range(len(values))]
    ax.scatter(values, jitter, s=14, c=[_dot_colour(f) for f in one.fractions], zorder=3)
    ax.axvline(one.good, color=GOOD, linestyle="--", label="good bound (full points)")
    ax.axvline(one.bad, color=BAD, linestyle="--", label="bad bound (no points)")
    ax.set_xlim(left, right)
    ax.set_ylim(-0.6, 0.6)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_title(one.title, loc="left", fontsize=9)


def _dot_colour(fraction: float) -> str:
    if fraction >= 1 - 1e-9:
        return GOOD
    return BAD if fraction <= 1e-9 else PARTIAL


def _render(chart_id: str, size: tuple[float, float], draw: Callable[[Figure], None]) -> str:
    with _LOCK, matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=size, layout="constrained")
        FigureCanvasAgg(fig)
        draw(fig)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata=_NO_METADATA)
    return inline_svg(buffer.getvalue(), chart_id)


def inline_svg(document: str, prefix: str) -> str:
    """An SVG file made fit to sit inside HTML: no XML prolog or DOCTYPE, and ids
    prefixed so that two charts in one page cannot capture each other's clip paths
    or markers."""
    svg = document[document.index("<svg") :].strip()
    return _ID.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)
