"""A loss curve as a PNG (matplotlib's Agg canvas) or an SVG (its SVG canvas): no display, no pyplot state.

Train loss in blue, eval loss in orange, a light grid at quarter heights,
the y axis from 0 to the largest loss, steps along x. It knows nothing of
training or of where the PNG goes: only (step, loss) pairs. The exact figures
are in train_log.jsonl and the model card; the picture shows the shape.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

WIDTH, HEIGHT, DPI = 640, 360, 100
BLUE, ORANGE, GRID = "#3b6fb6", "#e67e22", "#e1e4e8"


def loss_png(train: Sequence[tuple[float, float]], evals: Sequence[tuple[float, float]] = ()) -> bytes:
    """The PNG bytes of train (and eval) loss against step."""
    buffer = io.BytesIO()
    # No "Software" text chunk: the file holds the picture and nothing that varies by install.
    FigureCanvasAgg(_figure(train, evals)).print_png(buffer, metadata={"Software": None})
    return buffer.getvalue()


def loss_svg(train: Sequence[tuple[float, float]], evals: Sequence[tuple[float, float]] = ()) -> bytes:
    """The same chart as an SVG document (text kept as text), for pages that redraw it as training goes."""
    buffer = io.BytesIO()
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "looptune"}):  # the same points, the same bytes
        FigureCanvasSVG(_figure(train, evals)).print_svg(buffer, metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def _figure(train: Sequence[tuple[float, float]], evals: Sequence[tuple[float, float]]) -> Figure:
    points = [*train, *evals]
    if not points:
        raise ValueError("a loss chart needs at least one (step, loss) point")
    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    axes = figure.add_subplot()
    for series, colour, name in ((train, BLUE, "train"), (evals, ORANGE, "eval")):
        if series:
            steps, losses = zip(*series, strict=True)
            # A lone point has no segment to draw: mark it instead.
            axes.plot(steps, losses, color=colour, linewidth=2, marker="o" if len(series) == 1 else None, label=name)
    top = max(loss for _, loss in points) or 1.0
    axes.set_xlim(0, max(step for step, _ in points) or 1)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # steps are whole numbers
    axes.set_ylim(0, top)
    axes.set_yticks([top * q / 4 for q in range(5)], [f"{top * q / 4:.3g}" for q in range(5)])
    axes.grid(axis="y", color=GRID)
    axes.set_xlabel("step")
    axes.set_ylabel("loss")
    axes.legend(loc="upper right", frameon=False)
    figure.tight_layout()
    return figure
