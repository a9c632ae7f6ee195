"""Inline SVG charts for the HTML reports: no plotting library, no scripts, no network.

Each function returns one `<svg>` element as text; every label is escaped.
It knows nothing of runs or metrics, only of labels and numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

FONT = 'font-family="system-ui, sans-serif" font-size="12"'
BLUE, GREY = "#3b6fb6", "#d9dde3"


def _svg(width: float, height: float, body: list[str], title: str) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" {FONT}><title>{escape(title)}</title>'
    )
    return head + "".join(body) + "</svg>"


def _text(x: float, y: float, text: str, anchor: str = "start", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" {extra}>{escape(text)}</text>'


def bars(items: Sequence[tuple[str, float | None]], title: str, *, bar: float | None = None) -> str:
    """Horizontal bars for values in [0, 1] (None drawn as "n/a"), with an optional dashed bar line."""
    label_w, plot_w, row = 190, 320, 22
    height = row * len(items) + 30
    body = []
    for i, (label, value) in enumerate(items):
        y = 10 + i * row
        body.append(_text(label_w - 6, y + 14, _clip(label, 28), "end"))
        body.append(f'<rect x="{label_w}" y="{y + 3}" width="{plot_w}" height="{row - 6}" fill="{GREY}"/>')
        if value is not None:
            body.append(
                f'<rect x="{label_w}" y="{y + 3}" width="{plot_w * value:.1f}" height="{row - 6}" fill="{BLUE}"/>'
            )
        body.append(_text(label_w + plot_w + 6, y + 14, "n/a" if value is None else f"{100 * value:.0f}%"))
    if bar is not None:
        x = label_w + plot_w * bar
        body.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="6" y2="{height - 18}" stroke="#c0392b" stroke-dasharray="4 3"/>'
        )
        body.append(_text(x, height - 4, f"bar {100 * bar:.0f}%", "middle", 'fill="#c0392b"'))
    return _svg(label_w + plot_w + 50, height, body, title)


def heatmap(labels: Sequence[str], matrix: Sequence[Sequence[int]], title: str) -> str:
    """A confusion matrix: rows expected, columns called; shade by share of the row, counts written in."""
    cell, left, top, right = (26 if len(labels) <= 20 else 18), 230, 150, 110  # room for the rotated labels
    size = cell * len(labels)
    body = [_text(left + size / 2, top + size + 18, "called →", "middle"), _text(8, top - 8, "expected ↓")]
    for i, label in enumerate(labels):
        x = left + i * cell + cell / 2
        body.append(_text(x, top - 6, _clip(label, 24), "start", f'transform="rotate(-60 {x:.1f} {top - 6})"'))
        body.append(_text(left - 6, top + i * cell + cell / 2 + 4, _clip(label, 32), "end"))
    for i, row in enumerate(matrix):
        total = sum(row) or 1
        for j, count in enumerate(row):
            body.append(_cell(left + j * cell, top + i * cell, cell, count, count / total, i == j))
    return _svg(left + size + right, top + size + 26, body, title)


def _cell(x: float, y: float, size: int, count: int, share: float, diagonal: bool) -> str:
    hue = "46,125,50" if diagonal else "192,57,43"
    fill = f"rgba({hue},{0.08 + 0.85 * share:.2f})" if count else "#f7f8fa"
    rect = f'<rect x="{x}" y="{y}" width="{size - 1}" height="{size - 1}" fill="{fill}"><title>{count}</title></rect>'
    if not count or size < 20:
        return rect
    colour = "white" if share > 0.55 else "black"
    return rect + _text(x + size / 2, y + size / 2 + 4, str(count), "middle", f'fill="{colour}"')


def histogram(values: Sequence[float], title: str, unit: str = "s", bins: int = 20) -> str:
    """A histogram of `values` with p50 and p95 marked."""
    width, height, left, bottom = 520, 200, 40, 30
    if not values:
        return _svg(width, 40, [_text(10, 24, "no data")], title)
    low, high = min(values), max(values)
    step = (high - low) / bins or 1.0
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, int((value - low) / step))] += 1
    scale, bar_w = (height - bottom - 10) / max(counts), (width - left - 10) / bins
    body = []
    for i, count in enumerate(counts):
        h = count * scale
        x, y = left + i * bar_w, height - bottom - h
        tip = f"{low + i * step:.2f}-{low + (i + 1) * step:.2f} {unit}: {count}"
        body.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" fill="{BLUE}">'
            f"<title>{escape(tip)}</title></rect>"
        )
    body.append(_text(left, height - 12, f"{low:.2f} {unit}"))
    body.append(_text(width - 10, height - 12, f"{high:.2f} {unit}", "end"))
    body.append(_text(left - 4, 14, str(max(counts)), "end"))
    for q, colour in ((50, "#2e7d32"), (95, "#c0392b")):
        value = sorted(values)[min(len(values) - 1, math.ceil(q / 100 * len(values)) - 1)]
        x = left + (value - low) / ((high - low) or 1.0) * (width - left - 10)
        body.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="10" y2="{height - bottom}" stroke="{colour}" stroke-dasharray="4 3"/>'
        )
        body.append(_text(x, height - 2, f"p{q} {value:.2f}", "middle", f'fill="{colour}"'))
    return _svg(width, height, body, title)


def line(points: Sequence[tuple[float, float]], title: str, x_label: str, y_label: str) -> str:
    """A line with dots for y in [0, 1] against x (e.g. completion vs training step)."""
    width, height, left, bottom = 520, 220, 50, 36
    if not points:
        return _svg(width, 40, [_text(10, 24, "no data")], title)
    xs = [p[0] for p in points]
    x0, x1 = min(xs), max(xs)

    def at(x: float, y: float) -> tuple[float, float]:
        fx = (x - x0) / ((x1 - x0) or 1.0)
        return left + fx * (width - left - 20), 10 + (1 - y) * (height - bottom - 10)

    coords = [at(x, y) for x, y in points]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    body = [f'<polyline points="{path}" fill="none" stroke="{BLUE}" stroke-width="2"/>']
    for (x, y), (px, py) in zip(points, coords, strict=True):
        body.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{BLUE}">'
            f"<title>{escape(f'{x:g}: {100 * y:.1f}%')}</title></circle>"
        )
        body.append(_text(px, height - bottom + 14, f"{x:g}", "middle"))
    body += [_text(left - 6, 14, "100%", "end"), _text(left - 6, height - bottom, "0%", "end")]
    body += [_text(width / 2, height - 4, x_label, "middle"), _text(4, height / 2, y_label)]
    return _svg(width, height, body, title)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
