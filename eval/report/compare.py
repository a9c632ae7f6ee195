"""Runs side by side: headline figures with deltas against the first run, and a paired test of completion.

The first run is the base; each other run is compared with it over the tasks
both ran (eval.significance), so the verdict says whether a change in
completion is more than noise. Reads report dicts only.
"""

from __future__ import annotations

from html import escape
from typing import Any

from rich.table import Table
from rich.text import Text

from eval.report import svg
from eval.report.html import page, table
from eval.report.terminal import HEADLINE, fmt
from eval.significance import Paired, paired

# Larger is better for these; smaller for the rest of HEADLINE.
HIGHER_IS_BETTER = {"completion", "selection", "parameters", "tokens_per_s"}
TOOL_ROWS = 15  # per-tool F1 rows in the terminal; the HTML lists every tool


def label(report: dict[str, Any]) -> str:
    """A run's short name: its directory, backend and adapter."""
    settings = report["settings"]
    adapter = f" + {settings['adapter']}" if settings.get("adapter") else ""
    return f"{report['run_dir']} ({settings['backend']}{adapter})"


def pass_rates(report: dict[str, Any]) -> dict[str, float]:
    """Per task: the share of its trials that passed."""
    return {task: t["passed"] / t["trials"] for task, t in report["tasks"].items() if t["trials"]}


def comparison(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """Figures per run, deltas and paired tests against the first run, as JSON-ready data."""
    base = reports[0]
    rows = {key: [r["metrics"]["overall"][key] for r in reports] for key, _, _ in HEADLINE}
    tests = [_paired_json(paired(pass_rates(base), pass_rates(r))) for r in reports[1:]]
    categories = sorted({c for r in reports for c in r["metrics"]["by_category"]})
    by_category = {c: [r["metrics"]["by_category"].get(c, {}).get("completion") for r in reports] for c in categories}
    tools = sorted({t for r in reports for t in r["metrics"]["by_tool"]})
    f1 = {t: [r["metrics"]["by_tool"].get(t, {}).get("f1") for r in reports] for t in tools}
    return {
        "runs": [label(r) for r in reports],
        "partial": [r["status"] != "complete" for r in reports],
        "overall": rows,
        "by_category": by_category,
        "f1_by_tool": f1,
        "paired_completion": tests,
    }


def _paired_json(result: Paired) -> dict[str, Any]:
    return {
        "shared_tasks": result.tasks,
        "base_rate": round(result.a_rate, 4),
        "rate": round(result.b_rate, 4),
        "delta": round(result.delta, 4),
        "only_base_passed": result.only_a,
        "only_this_passed": result.only_b,
        "mcnemar_p": round(result.p_value, 4),
        "bootstrap_ci95": [round(result.ci_low, 4), round(result.ci_high, 4)],
        "significant": result.significant,
    }


def verdict(test: dict[str, Any]) -> str:
    """One line on a paired test: the change, its CI and p, and whether it is more than noise."""
    delta, (low, high) = test["delta"], test["bootstrap_ci95"]
    word = "significant" if test["significant"] else "not significant"
    return (
        f"{100 * delta:+.1f} pts over {test['shared_tasks']} shared tasks, "
        f"95% CI [{100 * low:+.1f}, {100 * high:+.1f}], McNemar p={test['mcnemar_p']:.3g}: {word}"
    )


def _delta(base: float | None, value: float | None, kind: str) -> str:
    if base is None or value is None:
        return ""
    diff = value - base
    shown = f"{100 * diff:+.1f} pts" if kind == "pct" else f"{diff:+.2f}"
    return shown if diff else "±0"


def _better(key: str, base: float | None, value: float | None) -> bool | None:
    if base is None or value is None or base == value:
        return None
    return (value > base) == (key in HIGHER_IS_BETTER)


def compare_table(data: dict[str, Any]) -> Table:
    """Metric rows, one column per run; later runs show their delta to the first."""
    table_ = Table("metric", box=None)
    for name in data["runs"]:
        table_.add_column(Text(name))  # run directories are the user's text, never markup
    for key, name, kind in HEADLINE:
        values = data["overall"][key]
        cells: list[str | Text] = [fmt(values[0], kind)]
        for value in values[1:]:
            better = _better(key, values[0], value)
            style = {True: "green", False: "red", None: ""}[better]
            cells.append(Text(f"{fmt(value, kind)} ({_delta(values[0], value, kind)})".replace(" ()", ""), style))
        table_.add_row(name, *cells)
    for category, values in data["by_category"].items():
        table_.add_row(Text(f"completion: {category}", "dim"), *(fmt(v, "pct") for v in values))
    tools = sorted(data["f1_by_tool"].items(), key=lambda item: -_spread(item[1]))
    for tool, values in tools[:TOOL_ROWS]:
        table_.add_row(Text(f"F1: {tool}", "dim"), *(_f1(v) for v in values))
    if len(tools) > TOOL_ROWS:
        table_.add_row(Text(f"... {len(tools) - TOOL_ROWS} more tools (-o FILE.html shows all)", "dim"))
    return table_


def _spread(values: list[float | None]) -> float:
    """How much a tool's F1 moves across runs (tools that changed most are listed first)."""
    known = [v or 0.0 for v in values]
    return max(known) - min(known)


def _f1(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def compare_page(data: dict[str, Any]) -> str:
    """The comparison as one self-contained HTML page."""
    headers = ["metric", *data["runs"]]
    rows = []
    for key, name, kind in HEADLINE:
        values = data["overall"][key]
        rows.append(
            [name, fmt(values[0], kind), *(f"{fmt(v, kind)} ({_delta(values[0], v, kind)})" for v in values[1:])]
        )
    tests = [[run, verdict(t)] for run, t in zip(data["runs"][1:], data["paired_completion"], strict=True)]
    charts = "".join(
        f"<figure><figcaption>Completion by category: {escape(run)}</figcaption>"
        + svg.bars([(c, values[i]) for c, values in data["by_category"].items()], f"completion {run}", bar=0.8)
        + "</figure>"
        for i, run in enumerate(data["runs"])
    )
    f1_rows = [[tool, *(_f1(v) for v in values)] for tool, values in data["f1_by_tool"].items()]
    body = (
        "<h1>looptune eval compare</h1>"
        + table(headers, rows)
        + "<h2>Per-tool F1</h2>"
        + table(["tool", *data["runs"]], f1_rows)
        + "<h2>Completion: paired test against the first run</h2>"
        + table(["run", "verdict"], tests)
        + f'<h2>By category</h2><div class="plots">{charts}</div>'
    )
    if any(data["partial"]):
        body = '<p class="partial">Some runs are partial: their figures cover finished episodes only.</p>' + body
    return page("looptune eval compare", body)
