"""Inline SVG charts for the HTML reports, rendered by matplotlib: no scripts, no fonts, no network.

Each function returns one `<svg>` element as text, ready to sit inside a
self-contained page: text stays text (no embedded glyphs), the XML prolog is
dropped, and every id is prefixed per chart so several charts share a page.
It knows nothing of runs or metrics, only of labels and numbers.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from html import escape
from typing import TYPE_CHECKING, Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

if TYPE_CHECKING:  # for the annotation only, which is never evaluated at run time
    from matplotlib.typing import RcKeyType

BLUE, GREY, RED, GREEN = "#3b6fb6", "#d9dde3", "#c0392b", "#2e7d32"
PX = 1 / 96  # inches per CSS pixel: matplotlib writes pt, and 0.75pt is one pixel
STYLE: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",  # <text> elements the page's fonts draw, not glyph paths
    "svg.hashsalt": "looptune",  # content-derived ids instead of random ones: the same data, the same page
    "text.parse_math": False,  # a tool or run named "$x$" is a name, not TeX
    "font.family": "sans-serif",
    "font.size": 9,  # 12px
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@contextmanager
def _style() -> Iterator[None]:
    with matplotlib.rc_context(STYLE):
        yield


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width * PX, height * PX))


def _axes(figure: Figure, width: float, height: float, margins: tuple[float, float, float, float]) -> Axes:
    """Axes placed by pixel margins (left, top, right, bottom): a layout that does not move with the data."""
    left, top, right, bottom = margins
    return figure.add_axes((left / width, bottom / height, 1 - (left + right) / width, 1 - (top + bottom) / height))


def _render(figure: Figure, title: str, key: object) -> str:
    """The figure as one `<svg>` element with a `<title>`, its ids unique to (title, key)."""
    buffer = io.StringIO()
    # No metadata block: no date (the same data, the same bytes) and nothing the page would not show.
    FigureCanvasSVG(figure).print_svg(buffer, metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]  # the XML prolog and DOCTYPE are not allowed inside HTML
    text = re.sub(r"<svg\b[^>]*>", lambda m: f'<svg role="img"{m[0][4:]}<title>{escape(title)}</title>', text, count=1)
    prefix = "c" + hashlib.sha256(repr((title, key)).encode()).hexdigest()[:8]
    # Tags only: matplotlib escapes < and > in text and attributes, so <...> is always a tag, never a label.
    return re.sub(r"<[^>]+>", lambda tag: _prefix_ids(tag[0], prefix), text)


def _prefix_ids(tag: str, prefix: str) -> str:
    # matplotlib numbers its groups figure_1, axes_1, ... in every chart: on one page they would collide.
    tag = re.sub(r'\sid="([^"]+)"', lambda m: f' id="{prefix}-{m[1]}"', tag)
    return re.sub(r'(href="#|url\(#)([^")]+)', lambda m: f"{m[1]}{prefix}-{m[2]}", tag)


def _no_data(title: str) -> str:
    with _style():
        figure = _figure(520, 40)
        figure.text(10 / 520, 0.5, "no data", va="center")
        return _render(figure, title, "no data")


def bars(items: Sequence[tuple[str, float | None]], title: str, *, bar: float | None = None) -> str:
    """Horizontal bars for values in [0, 1] (None drawn as "n/a"), with an optional dashed bar line."""
    if not items:
        return _no_data(title)
    width, height = 560, 22 * len(items) + 30
    with _style():
        figure = _figure(width, height)
        axes = _axes(figure, width, height, (190, 10, 50, 20))
        rows = range(len(items))
        axes.barh(rows, [1.0] * len(items), height=16 / 22, color=GREY)
        axes.barh(rows, [v or 0.0 for _, v in items], height=16 / 22, color=BLUE)
        axes.set_yticks(rows, [_clip(label, 28) for label, _ in items])
        for row, (_, value) in enumerate(items):
            axes.text(1.02, row, "n/a" if value is None else f"{100 * value:.0f}%", va="center")
        axes.set(xlim=(0, 1), ylim=(len(items) - 0.5, -0.5), xticks=[])  # first item on top
        axes.tick_params(axis="y", length=0)
        for side in ("left", "bottom"):
            axes.spines[side].set_visible(False)
        if bar is not None:
            axes.axvline(bar, color=RED, linestyle=(0, (4, 3)), linewidth=1)
            axes.annotate(
                f"bar {100 * bar:.0f}%",
                (bar, 0),
                xycoords=("data", "axes fraction"),
                xytext=(0, -12),
                textcoords="offset points",
                ha="center",
                color=RED,
            )
        return _render(figure, title, items)


def heatmap(labels: Sequence[str], matrix: Sequence[Sequence[int]], title: str) -> str:
    """A confusion matrix: rows expected, columns called; shade by share of the row, counts written in."""
    if not labels:
        return _no_data(title)
    cell = 26 if len(labels) <= 20 else 18
    margins = (230, 150, 110, 26)  # room for the rotated column labels on top
    size = cell * len(labels)
    width, height = margins[0] + size + margins[2], margins[1] + size + margins[3]
    with _style():
        figure = _figure(width, height)
        axes = _axes(figure, width, height, margins)
        axes.imshow([[_shade(row, i, j) for j in range(len(row))] for i, row in enumerate(matrix)], aspect="auto")
        axes.xaxis.tick_top()
        axes.set_xticks(range(len(labels)), [_clip(x, 24) for x in labels], rotation=60, ha="left")
        axes.set_yticks(range(len(labels)), [_clip(y, 32) for y in labels])
        axes.tick_params(length=0)
        axes.set_xlabel("called →")
        figure.text(8 / width, 1 - (margins[1] - 8) / height, "expected ↓")  # above the row labels
        axes.spines[:].set_visible(False)
        for i, row in enumerate(matrix):
            for j, count in enumerate(row):
                if count and cell >= 20:  # 18px cells are too small for a number
                    share = count / (sum(row) or 1)
                    colour = "white" if share > 0.55 else "black"
                    axes.text(j, i, str(count), ha="center", va="center", color=colour)
        return _render(figure, title, (tuple(labels), tuple(map(tuple, matrix))))


def _shade(row: Sequence[int], i: int, j: int) -> tuple[float, float, float, float]:
    """A cell's RGBA: green on the diagonal, red off it, deeper for a larger share of the row."""
    if not row[j]:
        return (0xF7 / 255, 0xF8 / 255, 0xFA / 255, 1.0)
    alpha = 0.08 + 0.85 * row[j] / (sum(row) or 1)
    return (46 / 255, 125 / 255, 50 / 255, alpha) if i == j else (192 / 255, 57 / 255, 43 / 255, alpha)


def histogram(values: Sequence[float], title: str, unit: str = "s", bins: int = 20) -> str:
    """A histogram of `values` with p50 and p95 marked."""
    if not values:
        return _no_data(title)
    low, high = min(values), max(values)
    width, height = 520, 200
    with _style():
        figure = _figure(width, height)
        axes = _axes(figure, width, height, (40, 20, 10, 30))
        counts, _, _ = axes.hist(
            values, bins=bins, range=(low, high if high > low else low + 1.0), color=BLUE, rwidth=0.95
        )
        axes.set_xticks([low, high], [f"{low:.2f} {unit}", f"{high:.2f} {unit}"])
        # One histogram, so `counts` is one array of bin heights (typed as maybe several).
        peak = float(max(counts))
        axes.set_yticks([0, peak], ["0", f"{peak:.0f}"])
        top = blended_transform_factory(axes.transData, axes.transAxes)
        for q, colour, side in ((50, GREEN, "right"), (95, RED, "left")):  # p50 <= p95: their labels never cross
            value = _nearest_rank(values, q)
            axes.axvline(value, color=colour, linestyle=(0, (4, 3)), linewidth=1)
            axes.text(value, 1.0, f" p{q} {value:.2f} ", transform=top, ha=side, va="bottom", color=colour)
        return _render(figure, title, (tuple(values), unit, bins))


def _nearest_rank(values: Sequence[float], q: int) -> float:
    """The q-th percentile by nearest rank: always one of the values."""
    return sorted(values)[min(len(values) - 1, math.ceil(q / 100 * len(values)) - 1)]


def line(points: Sequence[tuple[float, float]], title: str, x_label: str, y_label: str) -> str:
    """A line with dots for y in [0, 1] against x (e.g. completion vs training step), each dot's value written on."""
    if not points:
        return _no_data(title)
    width, height = 520, 220
    with _style():
        figure = _figure(width, height)
        axes = _axes(figure, width, height, (75, 20, 20, 40))
        xs, ys = [x for x, _ in points], [y for _, y in points]
        axes.plot(xs, ys, color=BLUE, linewidth=2, marker="o", markersize=6)
        for x, y in points:
            axes.annotate(f"{100 * y:.1f}%", (x, y), xytext=(0, 6), textcoords="offset points", ha="center")
        axes.set_xticks(sorted(set(xs)), [f"{x:g}" for x in sorted(set(xs))])
        axes.set(ylim=(0, 1.08), yticks=[0, 0.5, 1], yticklabels=["0%", "50%", "100%"])
        axes.set_xlabel(x_label)
        axes.set_ylabel(y_label)
        return _render(figure, title, tuple(points))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
