"""The terminal view of a report: headline figures against the seeds' bars, then categories and tools.

Reads the report dict only; every name from a task or server is printed as
plain text, never as markup.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from eval.metrics import meets

HEADLINE = (
    ("completion", "task completion", "pct"),
    ("selection", "tool selection", "pct"),
    ("parameters", "parameter accuracy", "pct"),
    ("hallucinations_per_100_calls", "hallucinated calls / 100", "num"),
    ("no_tool_false_call_rate", "no-tool false calls", "pct"),
    ("step_latency_mean_s", "response time (mean step)", "sec"),
    ("tokens_per_s", "decode tokens/s", "num"),
)
PLAN_SCORED = {"selection", "parameters"}  # figures read against a task's expected_calls


def fmt(value: Any, kind: str) -> str:
    """A figure as shown in tables: percent, seconds or a plain number; '-' when there is none."""
    if value is None:
        return "-"
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if kind == "sec":
        return f"{value:.2f} s"
    return f"{value:g}"


def not_scored_note(overall: dict[str, Any]) -> str:
    """'' or why selection and parameters leave some episodes out (outcome-only tasks state no plan)."""
    n = overall.get("selection_not_scored", 0)
    if not n:
        return ""
    who = "1 episode states" if n == 1 else f"{n} episodes state"
    return f"selection and parameters not scored: {who} no expected_calls (outcome-only: checks alone decide)"


def headline_value(overall: dict[str, Any], key: str, kind: str) -> str:
    """A headline figure; `not scored` rather than `-` where every episode's task states no plan."""
    if overall[key] is None and key in PLAN_SCORED and overall.get("selection_not_scored"):
        return "not scored"
    return fmt(overall[key], kind)


def headline_table(report: dict[str, Any]) -> Table:
    """Metric, value, the seeds' bar and whether it is met."""
    overall, bars = report["metrics"]["overall"], report["thresholds"]
    table = Table("metric", "value", "bar", "", box=None, title=_title(report), title_justify="left")
    for key, label, kind in HEADLINE:
        bar = bars.get(key)
        shown = f"{bar['op']} {fmt(bar['bar'], kind)}" if bar else ""
        verdict = {True: Text("ok", "green"), False: Text("below", "red"), None: Text("")}[meets(key, overall[key])]
        table.add_row(label, headline_value(overall, key, kind), shown, verdict)
    for k, value in overall["pass_hat_k"].items():
        if k != "1":
            table.add_row(f"pass^{k}", fmt(value, "pct"), "", "")
    spreads = (("steps_per_task", "steps / task", "num"), ("calls_per_task", "calls / task", "num"))
    for key, label, kind in (*spreads, ("task_latency_s", "task latency", "sec")):
        s = overall[key]
        table.add_row(f"{label} (p50 / p95)", f"{fmt(s['p50'], kind)} / {fmt(s['p95'], kind)}", "", "")
    return table


def _title(report: dict[str, Any]) -> Text:
    settings = report["settings"]
    who = " ".join(str(x) for x in (settings["backend"], settings.get("model"), settings.get("adapter")) if x)
    title = Text(f"{who}: {report['metrics']['overall']['tasks']} tasks, {report['episodes_done']} episodes")
    if report["status"] != "complete":
        title.append(f"  {report['status_detail']}", style="bold red")
    return title


def category_rows(report: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the by-category table; a `not scored` column when some episodes state no plan."""
    unscored = bool(report["metrics"]["overall"].get("selection_not_scored"))
    headers = ["category", "episodes", "completion", "selection", "parameters"] + (["not scored"] if unscored else [])
    rows = []
    for name, s in report["metrics"]["by_category"].items():
        row = [name, str(s["episodes"]), fmt(s["completion"], "pct"), fmt(s["selection"], "pct")]
        row += [fmt(s["parameters"], "pct")] + ([str(s.get("selection_not_scored", 0))] if unscored else [])
        rows.append(row)
    return headers, rows


def category_table(report: dict[str, Any]) -> Table:
    """Completion, selection and parameters by category."""
    headers, rows = category_rows(report)
    table = Table(*headers, box=None)
    for name, *rest in rows:
        table.add_row(Text(name), *rest)
    return table


def tool_table(report: dict[str, Any], limit: int = 15) -> Table:
    """Per-tool precision / recall / F1, the most expected tools first."""
    tools = sorted(report["metrics"]["by_tool"].items(), key=lambda item: (-item[1]["expected"], item[0]))
    table = Table("tool", "expected", "called", "precision", "recall", "F1", box=None)
    for name, s in tools[:limit]:
        table.add_row(
            Text(name),
            str(s["expected"]),
            str(s["called"]),
            fmt(s["precision"], "pct"),
            fmt(s["recall"], "pct"),
            f"{s['f1']:.2f}",
        )
    if len(tools) > limit:
        table.add_row(Text(f"... {len(tools) - limit} more in report.html"), "", "", "", "", "")
    return table


def print_report(report: dict[str, Any], console: Console) -> None:
    """The whole terminal view."""
    console.print(headline_table(report))
    note = not_scored_note(report["metrics"]["overall"])
    if note:
        console.print(Text(note, "dim"))
    console.print(category_table(report))
    console.print(tool_table(report))
    failures = report["metrics"]["failures"]
    if failures:
        console.print(Text("failures: " + ", ".join(f"{kind} {n}" for kind, n in failures.items()), "yellow"))
