"""Aggregate figures over a run's episode records: the seeds' metrics and the anchors'.

Completion and pass^k (tau-bench: the chance that all k of k trials pass,
estimated per task as C(c, k) / C(n, k) from c passes in n trials); tool
selection and parameter accuracy against the reference plans; per-tool
precision / recall / F1 and the expected-vs-called confusion matrix;
hallucinated calls per 100 calls; the no-tool false-call rate (tasks of the
`no_tool` category); steps, calls,
latencies and decoding speed. Episodes whose task states no plan
(outcome-only) are counted as not scored for selection and parameters, never
as failed. Pure functions of the records: this module knows nothing of runs,
files or reports.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from eval.records import EpisodeRecord
from eval.scoring import NONE

# The seeds' bars, shown beside the figures: (metric key, comparison, bar).
THRESHOLDS: dict[str, tuple[str, float]] = {
    "selection": (">", 0.85),
    "parameters": (">", 0.90),
    "completion": (">", 0.80),
    "hallucinations_per_100_calls": ("<", 10.0),
    "step_latency_mean_s": ("<", 5.0),
}


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def spread(values: Sequence[float]) -> dict[str, float | None]:
    """Mean, p50 and p95 (None for no values), rounded for reports."""
    if not values:
        return {"mean": None, "p50": None, "p95": None}
    return {
        "mean": round(sum(values) / len(values), 4),
        "p50": round(percentile(values, 50) or 0.0, 4),
        "p95": round(percentile(values, 95) or 0.0, 4),
    }


def ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def pass_hat_k(records: Iterable[EpisodeRecord]) -> dict[str, float]:
    """pass^k for every k up to the fewest trials any task has (keys are k as text, as in JSON)."""
    trials: dict[str, list[bool]] = defaultdict(list)
    for record in records:
        trials[record.task_id].append(record.passed)
    if not trials:
        return {}
    most = min(len(t) for t in trials.values())
    return {
        str(k): round(sum(math.comb(sum(t), k) / math.comb(len(t), k) for t in trials.values()) / len(trials), 4)
        for k in range(1, most + 1)
    }


def summary(records: Sequence[EpisodeRecord]) -> dict[str, Any]:
    """The headline figures of a set of episodes (a whole run, one category...)."""
    calls = [c for r in records for c in r.calls]
    no_tool = [r for r in records if r.category == "no_tool"]
    scored = [r for r in records if r.selection_ok is not None]
    checked = sum(r.params_checked for r in records)
    step_s = [s for r in records for s in r.step_s]
    model_s = sum(r.model_s for r in records)
    return {
        "episodes": len(records),
        "tasks": len({r.task_id for r in records}),
        "completion": ratio(sum(r.passed for r in records), len(records)),
        "pass_hat_k": pass_hat_k(records),
        "selection": ratio(sum(bool(r.selection_ok) for r in scored), len(scored)),
        "selection_not_scored": len(records) - len(scored),
        "parameters": ratio(sum(r.params_ok for r in records), checked),
        "parameter_calls_checked": checked,
        "calls": len(calls),
        "hallucinated_calls": sum(bool(c.hallucination) for c in calls),
        "hallucinations_per_100_calls": round(100 * sum(bool(c.hallucination) for c in calls) / len(calls), 2)
        if calls
        else None,
        "no_tool_tasks": len(no_tool),
        "no_tool_false_call_rate": ratio(sum(bool(r.calls) for r in no_tool), len(no_tool)),
        "steps_per_task": spread([r.steps for r in records]),
        "calls_per_task": spread([len(r.calls) for r in records]),
        "step_latency_s": spread(step_s),
        "step_latency_mean_s": round(sum(step_s) / len(step_s), 4) if step_s else None,
        "task_latency_s": spread([r.duration_s for r in records]),
        "tokens_per_s": round(sum(r.completion_tokens for r in records) / model_s, 2) if model_s else None,
    }


def confusion(records: Iterable[EpisodeRecord]) -> dict[str, Any]:
    """The expected-vs-called tool matrix (rows expected, columns called), `none` last."""
    counts = Counter(pair for r in records for pair in r.pairs)
    tools = sorted({t for pair in counts for t in pair} - {NONE})
    labels = [*tools, NONE]
    return {"labels": labels, "matrix": [[counts[(row, col)] for col in labels] for row in labels]}


def per_tool(matrix: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Precision, recall, F1 and support of every tool, read off the confusion matrix."""
    labels, rows = matrix["labels"], matrix["matrix"]
    figures = {}
    for i, tool in enumerate(labels):
        if tool == NONE:
            continue
        hit = rows[i][i]
        called, expected = sum(row[i] for row in rows), sum(rows[i])
        precision, recall = ratio(hit, called), ratio(hit, expected)
        f1 = round(2 * precision * recall / (precision + recall), 4) if precision and recall else 0.0
        figures[tool] = {"precision": precision, "recall": recall, "f1": f1, "expected": expected, "called": called}
    return figures


def failure_kinds(records: Iterable[EpisodeRecord]) -> dict[str, int]:
    """How many episodes failed for each kind of reason (the failing check type, or what broke)."""
    kinds = Counter(reason_kind(r.reason) for r in records if not r.passed)
    return dict(kinds.most_common())


def reason_kind(reason: str) -> str:
    """The kind of a failure: the failing check type, or what broke ("timed out", "setup", ...)."""
    head = reason.split(":", 1)[0].strip()
    return " ".join(head.split()[:2]) if head else "unknown"


def hallucination_kinds(records: Iterable[EpisodeRecord]) -> dict[str, int]:
    """Hallucinated calls by kind (unknown tool, unparsable or schema-invalid arguments)."""
    return dict(Counter(c.hallucination for r in records for c in r.calls if c.hallucination).most_common())


def compute_metrics(records: Sequence[EpisodeRecord]) -> dict[str, Any]:
    """Every figure of a run: overall, by category, by tool, the confusion matrix and failure kinds."""
    by_category: dict[str, list[EpisodeRecord]] = defaultdict(list)
    for record in records:
        by_category[record.category].append(record)
    matrix = confusion(records)
    return {
        "overall": summary(records),
        "by_category": {name: summary(group) for name, group in sorted(by_category.items())},
        "by_tool": per_tool(matrix),
        "confusion": matrix,
        "failures": failure_kinds(records),
        "hallucinations": hallucination_kinds(records),
    }


def meets(metric: str, value: float | None) -> bool | None:
    """Whether `value` clears the seeds' bar for `metric` (None when there is no bar or no value)."""
    if metric not in THRESHOLDS or value is None:
        return None
    op, bar = THRESHOLDS[metric]
    return value > bar if op == ">" else value < bar
