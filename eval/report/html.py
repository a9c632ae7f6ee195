"""`report.html`: one self-contained page (inline CSS and SVG, no scripts, no network) per run.

Plots first (completion by category, per-tool F1, the confusion matrix,
latencies), then the tables and every failed episode with its reason.
Every string from a task, a model or a server is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from eval.metrics import meets
from eval.report import svg
from eval.report.terminal import HEADLINE, category_rows, fmt, headline_value, not_scored_note

CSS = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#1d232b;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem} h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #e3e6ea}
.sub{color:#5b6470} .partial{background:#fdecea;color:#8e1b10;padding:.6rem 1rem;border-radius:6px;font-weight:600}
.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}
.card{border:1px solid #e3e6ea;border-radius:8px;padding:.7rem 1rem;min-width:150px}
.card .v{font-size:1.6rem;font-weight:650} .card .b{font-size:.8rem;color:#5b6470}
.ok{color:#2e7d32} .below{color:#c0392b}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem} td,th{padding:.25rem .7rem;text-align:left}
tr:nth-child(even){background:#f6f7f9} th{border-bottom:1px solid #c9ced6}
.plots{display:flex;flex-wrap:wrap;gap:2rem} figure{margin:0} figcaption{font-weight:600;margin-bottom:.3rem}
code{background:#f1f3f5;padding:0 .25rem;border-radius:3px}
"""


def page(title: str, body: str) -> str:
    """A complete HTML document around `body`."""
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """An HTML table; every cell escaped."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def figure(caption: str, chart: str) -> str:
    return f"<figure><figcaption>{escape(caption)}</figcaption>{chart}</figure>"


def run_page(report: dict[str, Any]) -> str:
    """The whole page for one run's report."""
    settings = report["settings"]
    who = " · ".join(str(x) for x in (settings["backend"], settings.get("model"), settings.get("adapter")) if x)
    parts = [f"<h1>looptune eval: {escape(who)}</h1>", _subtitle(report)]
    if report["status"] != "complete":
        parts.append(f'<p class="partial">{escape(report["status_detail"])}</p>')
    parts += [_cards(report), _plots(report), _tables(report), _failures(report), _environment(report)]
    return page(f"looptune eval: {who}", "\n".join(parts))


def _subtitle(report: dict[str, Any]) -> str:
    overall, settings = report["metrics"]["overall"], report["settings"]
    text = (
        f"{overall['tasks']} tasks × {settings['trials']} trial(s) = {report['episodes_done']} episodes · "
        f"tasks {settings['tasks']} · created {report['created_at']}"
    )
    return f'<p class="sub">{escape(text)}</p>'


def _cards(report: dict[str, Any]) -> str:
    overall, bars = report["metrics"]["overall"], report["thresholds"]
    cards = []
    for key, label, kind in HEADLINE:
        verdict = meets(key, overall[key])
        css = {True: "ok", False: "below", None: ""}[verdict]
        bar = bars.get(key)
        note = f"bar {bar['op']} {fmt(bar['bar'], kind)}" if bar else "&nbsp;"
        value = escape(headline_value(overall, key, kind))
        cards.append(
            f'<div class="card"><div>{escape(label)}</div><div class="v {css}">{value}</div>'
            f'<div class="b">{escape(note) if bar else note}</div></div>'
        )
    note = not_scored_note(overall)
    return f'<div class="cards">{"".join(cards)}</div>' + (f'<p class="sub">{escape(note)}</p>' if note else "")


def _plots(report: dict[str, Any]) -> str:
    metrics = report["metrics"]
    by_category = [(name, s["completion"]) for name, s in metrics["by_category"].items()]
    tools = sorted(metrics["by_tool"].items(), key=lambda item: (-item[1]["expected"], item[0]))[:40]
    confusion = metrics["confusion"]
    steps = report.get("distributions", {}).get("step_s", [])
    return (
        '<h2>Plots</h2><div class="plots">'
        + "".join(
            [
                figure("Task completion by category", svg.bars(by_category, "completion by category", bar=0.8)),
                figure("Per-tool F1", svg.bars([(t, s["f1"]) for t, s in tools], "per-tool F1")),
                figure("Step latency", svg.histogram(steps, "step latency (s)")),
                figure(
                    "Confusion matrix (rows: expected tool, columns: called tool)",
                    svg.heatmap(confusion["labels"], confusion["matrix"], "confusion matrix"),
                ),
            ]
        )
        + "</div>"
    )


def _tables(report: dict[str, Any]) -> str:
    metrics = report["metrics"]
    headers, categories = category_rows(report)
    tools = [
        [t, s["expected"], s["called"], fmt(s["precision"], "pct"), fmt(s["recall"], "pct"), f"{s['f1']:.2f}"]
        for t, s in sorted(metrics["by_tool"].items(), key=lambda item: (-item[1]["expected"], item[0]))
    ]
    overall = metrics["overall"]
    spreads = [
        [label, fmt(overall[key]["mean"], kind), fmt(overall[key]["p50"], kind), fmt(overall[key]["p95"], kind)]
        for key, label, kind in (
            ("steps_per_task", "steps per task", "num"),
            ("calls_per_task", "tool calls per task", "num"),
            ("step_latency_s", "latency per step", "sec"),
            ("task_latency_s", "latency per task", "sec"),
        )
    ]
    pass_k = [[f"pass^{k}", fmt(v, "pct")] for k, v in overall["pass_hat_k"].items()]
    return (
        "<h2>By category</h2>"
        + table(headers, categories)
        + "<h2>Per tool</h2>"
        + table(["tool", "expected", "called", "precision", "recall", "F1"], tools)
        + "<h2>Effort and latency</h2>"
        + table(["", "mean", "p50", "p95"], spreads)
        + table(["trials", "rate"], pass_k)
        + "<h2>Failure kinds</h2>"
        + table(["kind", "episodes"], [[k, n] for k, n in metrics["failures"].items()])
        + table(["hallucination", "calls"], [[k, n] for k, n in metrics["hallucinations"].items()])
    )


def _failures(report: dict[str, Any]) -> str:
    rows = [
        [
            f["task_id"],
            f["trial"],
            f["category"],
            f["reason"],
            ", ".join(f["calls"]) or "-",
            "not stated" if f["expected"] is None else ", ".join(f["expected"]) or "-",
        ]
        for f in report["failed_episodes"]
    ]
    summary = f"Failed episodes ({len(rows)})"
    return (
        f"<h2>{summary}</h2><details><summary>show all</summary>"
        + table(["task", "trial", "category", "reason", "called", "expected"], rows)
        + "</details>"
    )


def _environment(report: dict[str, Any]) -> str:
    settings = [[k, v] for k, v in report["settings"].items()]
    env = [[k, v] for k, v in {**report["versions"], **report["hardware"]}.items()]
    return "<h2>Settings and environment</h2>" + table(["setting", "value"], settings) + table(["", ""], env)
