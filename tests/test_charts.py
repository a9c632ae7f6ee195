"""The report charts (eval.report.svg) and the training loss curve (training.sft.plot), as files a browser reads."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET

import pytest

from eval.report import svg
from training.sft.plot import loss_png

NS = {"s": "http://www.w3.org/2000/svg"}


def parse(chart: str) -> ET.Element:
    assert chart.startswith("<svg ") and chart.rstrip().endswith("</svg>")
    root = ET.fromstring(chart)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def fills(chart: str, colour: str) -> int:
    return chart.count(f"fill: {colour}")


def test_bars_write_every_label_and_value_and_the_bar_line():
    chart = svg.bars([("single_tool", 0.9), ("multi_step", 0.55), ("no_tool", None)], "completion", bar=0.8)
    root = parse(chart)
    assert root.find("s:title", NS).text == "completion"
    words = texts(root)
    assert {"single_tool", "multi_step", "no_tool", "90%", "55%", "n/a", "bar 80%"} <= set(words)
    assert fills(chart, svg.GREY) == 3 and fills(chart, svg.BLUE) == 3  # a track and a value bar per row


def test_labels_are_text_not_markup_or_tex_and_long_ones_are_clipped():
    name = "a<b & $x$ " + "y" * 40
    words = texts(parse(svg.bars([(name, 0.5)], "t <&>")))
    assert "a<b & $x$ " + "y" * 17 + "…" in words


def test_the_heatmap_writes_counts_in_non_empty_cells_and_both_axes():
    chart = svg.heatmap(["a", "b"], [[3, 1], [0, 2]], "confusion matrix")
    words = texts(parse(chart))
    assert {"a", "b", "called →", "expected ↓"} <= set(words)
    assert sorted(w for w in words if w.isdigit()) == ["1", "2", "3"]


def test_a_heatmap_of_many_tools_leaves_its_small_cells_unnumbered():
    labels = [f"t{i}" for i in range(21)]
    matrix = [[1 if i == j else 0 for j in range(21)] for i in range(21)]
    assert not [w for w in texts(parse(svg.heatmap(labels, matrix, "m"))) if w.isdigit()]


def test_the_histogram_marks_the_nearest_rank_p50_and_p95():
    values = [float(v) for v in range(1, 101)]
    words = [w.strip() for w in texts(parse(svg.histogram(values, "step latency (s)")))]
    assert {"p50 50.00", "p95 95.00", "1.00 s", "100.00 s"} <= set(words)


def test_the_line_writes_each_point_and_each_step():
    chart = svg.line([(0, 0.2), (100, 0.45), (200, 0.6)], "completion vs step", "step", "completion")
    words = texts(parse(chart))
    assert {"20.0%", "45.0%", "60.0%", "0", "100", "200", "step", "completion", "100%"} <= set(words)


@pytest.mark.parametrize(
    "draw",
    [
        lambda: svg.bars([], "b"),
        lambda: svg.heatmap([], [], "h"),
        lambda: svg.histogram([], "s"),
        lambda: svg.line([], "l", "x", "y"),
    ],
)
def test_a_chart_without_data_says_so(draw):
    assert texts(parse(draw())) == ["no data"]


def test_charts_on_one_page_share_no_id_and_every_reference_stays_inside_its_chart():
    charts = [svg.bars([("a", 0.5)], "one"), svg.bars([("a", 0.5)], "two"), svg.line([(1, 0.5)], "three", "x", "y")]
    seen: set[str] = set()
    for chart in charts:
        ids = set(re.findall(r'\sid="([^"]+)"', chart))
        assert ids and not ids & seen
        seen |= ids
        assert set(re.findall(r'(?:href="#|url\(#)([^")]+)', chart)) <= ids


def test_the_same_data_renders_the_same_chart():
    assert svg.histogram([0.1, 0.2, 0.4], "s") == svg.histogram([0.1, 0.2, 0.4], "s")


def test_the_loss_curve_is_a_640_by_360_png_that_depends_only_on_the_losses():
    png = loss_png([(1, 2.5), (2, 2.0), (3, 1.2)], [(2, 2.2)])
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png[12:16] == b"IHDR"
    assert struct.unpack(">II", png[16:24]) == (640, 360)
    assert b"tEXt" not in png  # no software or date stamp
    assert png == loss_png([(1, 2.5), (2, 2.0), (3, 1.2)], [(2, 2.2)])
    assert png != loss_png([(1, 2.5), (2, 2.0), (3, 0.2)], [(2, 2.2)])


def test_a_single_logged_step_still_draws_and_no_step_at_all_is_refused():
    assert loss_png([(5, 1.0)]).startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="at least one"):
        loss_png([])


def test_the_loss_curve_as_svg_keeps_its_text_as_text_and_depends_only_on_the_losses():
    from training.sft.plot import loss_svg

    chart = loss_svg([(1, 2.5), (2, 2.0), (3, 1.2)], [(2, 2.2)]).decode()
    assert chart.lstrip().startswith("<?xml") and "<svg" in chart and ">step</text>" in chart
    assert "<dc:date>" not in chart  # no date stamp: the same points, the same bytes
    assert loss_svg([(1, 2.5), (2, 2.0)]) == loss_svg([(1, 2.5), (2, 2.0)]) != loss_svg([(1, 2.5), (2, 0.5)])
