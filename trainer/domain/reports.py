"""Report rules as pure functions: shares, medians, small-group suppression, chart geometry.

No Flask and no database: services aggregate in SQL and hand the numbers here; templates draw
the chart geometry computed here as server-side SVG.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# Donor reporting rule: a count of fewer than five people is not published, so nobody can be
# singled out from an exported table (one woman from an agency who failed a test).
SMALL_GROUP = 5
SUPPRESSED = "<5"

COLUMN_KINDS = ("text", "people", "number", "percent", "score", "date")


# -- figures ------------------------------------------------------------------------------

def percent(part: float | None, whole: float | None, digits: int = 1) -> float | None:
    """part / whole as a rounded percentage; None when there is nothing to divide by."""
    if not whole or part is None:
        return None
    return round(100 * part / whole, digits)


def mean(values: Iterable[float]) -> float | None:
    """The arithmetic mean, or None for no values."""
    values = list(values)
    return sum(values) / len(values) if values else None


def median(values: Iterable[float]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count); None if empty."""
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def share_improved(pairs: Iterable[tuple[float, float]]) -> float | None:
    """Percentage of (pre, post) pairs whose post score is higher than the pre score."""
    pairs = list(pairs)
    return percent(sum(post > pre for pre, post in pairs), len(pairs))


def normalised_gain(mean_pre: float | None, mean_post: float | None, digits: int = 1) -> float | None:
    """The normalised gain, (post − pre) / (100 − pre), as a percentage of the room for improvement.

    Computed from a group's mean pre- and post-test scores (Hake's class-average gain), so one
    officer who scored 100 in the pre-test does not make it undefined. When the mean pre-test
    is 100 every officer had full marks before the course: there was nothing to gain, and the
    figure is None (shown as "—"), not 0 or 100. It is negative when the post-test is lower.
    """
    if mean_pre is None or mean_post is None or mean_pre >= 100:
        return None
    return round(100 * (mean_post - mean_pre) / (100 - mean_pre), digits)


@dataclass(frozen=True)
class GainSummary:
    """Pre-test against post-test for officers who took both."""

    officers: int
    mean_pre: float | None
    mean_post: float | None
    mean_gain: float | None
    median_gain: float | None
    improved_percent: float | None


def gain_summary(pairs: Iterable[tuple[float, float]]) -> GainSummary:
    """Knowledge gain of (pre, post) score pairs; the reference the SQL version is tested against."""
    pairs = list(pairs)
    gains = [post - pre for pre, post in pairs]
    return GainSummary(len(pairs), mean(pre for pre, _ in pairs), mean(post for _, post in pairs),
                       mean(gains), median(gains), share_improved(pairs))


# -- tables and suppression ---------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """A report column. `people` cells count persons; `percent`/`score` cells are computed
    from the people count named by `of` (or the row's group size)."""

    key: str
    label: str
    kind: str = "text"
    of: str | None = None

    def __post_init__(self):
        if self.kind not in COLUMN_KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


def is_small(count: object) -> bool:
    """True for a count of 1 to 4 people (0 names nobody)."""
    return isinstance(count, (int, float)) and 0 < count < SMALL_GROUP


def suppress_row(row: Mapping[str, object], columns: Sequence[Column], size_key: str | None = None) -> dict:
    """The row as published: small people counts, and figures computed from them, become "<5".

    A row whose group (size_key) has fewer than five people hides every figure, zeros
    included: "0 of 3 passed" says how each of the three did.
    """
    small_group = size_key is not None and is_small(row.get(size_key))
    published = dict(row)
    for column in columns:
        value = row.get(column.key)
        if column.kind == "people":
            hide = small_group or is_small(value)
        elif column.kind in ("percent", "score"):
            hide = small_group or (column.of is not None and is_small(row.get(column.of)))
        else:
            hide = False
        if hide and value is not None:
            published[column.key] = SUPPRESSED
    return published


def suppress_rows(rows: Iterable[Mapping[str, object]], columns: Sequence[Column],
                  size_key: str | None = None) -> list[dict]:
    """suppress_row for every row."""
    return [suppress_row(row, columns, size_key) for row in rows]


def format_cell(value: object, kind: str) -> str:
    """How a cell reads on a page and in a CSV file: whole numbers as such, percentages and
    scores with one decimal, dates as YYYY-MM-DD, nothing as "—"."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    if isinstance(value, int):
        return str(value)
    number = float(value)
    if kind in ("percent", "score"):
        return f"{number:.1f}"
    return str(int(number)) if number.is_integer() else f"{number:g}"


# -- chart geometry (server-side SVG; every figure in pixels) -------------------------------

@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    y: float
    length: float


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars: labels on the left, bars from x = label_width, value text after each."""

    width: int
    height: int
    label_width: int
    bar_height: int
    bars: tuple[Bar, ...]
    max_value: float


def bar_chart(items: Sequence[tuple[str, float | None]], *, width: int = 640, label_width: int = 200,
              value_width: int = 60, bar_height: int = 18, gap: int = 8, max_value: float | None = None,
              unit: str = "") -> BarChart:
    """Geometry of a horizontal bar chart; a None value draws no bar and reads "—"."""
    values = [value for _, value in items if value is not None]
    top = max_value if max_value is not None else max(values, default=0)
    span = width - label_width - value_width
    bars = []
    for i, (label, value) in enumerate(items):
        length = span * value / top if value is not None and top > 0 else 0.0
        text = "—" if value is None else f"{value:g}{unit}"
        bars.append(Bar(label, value or 0.0, text, gap + i * (bar_height + gap), round(length, 1)))
    return BarChart(width, gap + len(items) * (bar_height + gap), label_width, bar_height, tuple(bars), top)


@dataclass(frozen=True)
class HistogramBin:
    lo: float
    hi: float
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Histogram:
    """Vertical columns over [lo, hi) bins; the baseline is at y = base."""

    width: int
    height: int
    base: float
    bins: tuple[HistogramBin, ...]
    max_count: int
    ticks: tuple[tuple[float, str], ...]  # x position, edge label


def histogram(counts: Sequence[int], edges: Sequence[float], *, width: int = 640, height: int = 200,
              margin: int = 24) -> Histogram:
    """Geometry of a histogram of len(edges) - 1 bins; margin leaves room for labels."""
    if len(edges) != len(counts) + 1:
        raise ValueError("a histogram needs one more edge than bins")
    plot_width, plot_height = width - 2 * margin, height - 2 * margin
    step = plot_width / len(counts) if counts else 0
    top = max(counts, default=0)
    base = float(height - margin)
    bins = []
    for i, count in enumerate(counts):
        bar = plot_height * count / top if top else 0.0
        bins.append(HistogramBin(edges[i], edges[i + 1], count, round(margin + i * step, 1), round(base - bar, 1),
                                 round(step, 1), round(bar, 1)))
    ticks = tuple((round(margin + i * step, 1), f"{edge:g}") for i, edge in enumerate(edges))
    return Histogram(width, height, base, tuple(bins), top, ticks)


def bin_edges(lo: float, hi: float, count: int) -> tuple[float, ...]:
    """count equal bins from lo to hi: bin_edges(0, 100, 10) -> 0, 10, ..., 100."""
    step = (hi - lo) / count
    return tuple(lo + i * step for i in range(count + 1))


def bin_index(value: float, lo: float, hi: float, count: int) -> int:
    """The bin a value falls in; values at or beyond the edges go to the first or last bin."""
    index = int((value - lo) * count // (hi - lo))
    return min(max(index, 0), count - 1)


@dataclass(frozen=True)
class LinePoint:
    label: str
    value: float | None
    x: float
    y: float | None


@dataclass(frozen=True)
class LineChart:
    """A trend; `segments` are SVG polyline point lists, broken where a value is missing."""

    width: int
    height: int
    base: float
    points: tuple[LinePoint, ...]
    segments: tuple[str, ...]
    y_ticks: tuple[tuple[float, str], ...]
    max_value: float


def nice_step(raw: float) -> float:
    """The round step (1, 2 or 5 times a power of ten) at or above raw: 162.5 -> 200, 0.07 -> 0.1."""
    exponent = math.floor(math.log10(raw))
    fraction = raw / 10 ** exponent
    for nice in (1, 2, 5, 10):
        if fraction <= nice + 1e-9:
            return nice * 10 ** exponent if exponent >= 0 else round(nice * 10 ** exponent, -exponent)
    return 10 * 10 ** exponent  # not reached: fraction is below 10


def line_chart(points: Sequence[tuple[str, float | None]], *, width: int = 640, height: int = 200,
               margin: int = 32, max_value: float | None = None, ticks: int = 4) -> LineChart:
    """Geometry of a line chart of labelled values at equal x steps from the left margin."""
    values = [value for _, value in points if value is not None]
    top = max_value if max_value is not None else nice_step((max(values, default=0) or 1) / ticks) * ticks
    plot_width, plot_height = width - 2 * margin, height - 2 * margin
    step = plot_width / (len(points) - 1) if len(points) > 1 else 0
    base = float(height - margin)
    placed = []
    for i, (label, value) in enumerate(points):
        y = None if value is None else round(base - plot_height * value / top, 1)
        placed.append(LinePoint(label, value, round(margin + i * step, 1), y))
    segments, current = [], []
    for point in placed:
        if point.y is None:
            if current:
                segments.append(" ".join(current))
            current = []
        else:
            current.append(f"{point.x:g},{point.y:g}")
    if current:
        segments.append(" ".join(current))
    y_ticks = tuple((round(base - plot_height * i / ticks, 1), f"{top * i / ticks:g}") for i in range(ticks + 1))
    return LineChart(width, height, base, tuple(placed), tuple(segments), y_ticks, top)
