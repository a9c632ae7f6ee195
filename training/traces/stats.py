"""`traces stats`: what a trace file holds, by category, outcome, tool, steps and length.

A line is valid as `validate.parse_line` (without the token limit) says;
invalid lines are counted and their numbers kept, never dropped silently.
Lengths are tokens when a counter is given, characters of the record's JSON
otherwise. It knows nothing of terminals: `trace_stats` returns plain,
JSON-ready data the CLI prints as tables or JSON.
"""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

from training.traces.tokens import Counter as TokenCounter
from training.traces.validate import parse_line

_SYNTHETIC = re.compile(r"(synthetic|universe)-\d+(-masked)?__")


def trace_stats(path: Path, counter: TokenCounter | None = None) -> dict[str, Any]:
    """Counts and distributions of the valid traces of `path`, and which lines were not valid."""
    records, invalid = read_traces(path)
    lengths = [counter(r) if counter else len(json.dumps(r, ensure_ascii=False)) for r in records]
    return {
        "traces": len(records),
        "invalid_lines": len(invalid),
        "invalid_line_numbers": invalid,
        "by_category": _count(r.get("meta", {}).get("category", "?") for r in records),
        "by_outcome": _count(_outcome(r) for r in records),
        "calls_by_tool": _count(_tool(c["function"]["name"]) for r in records for c in _calls(r)),
        "steps": _spread([sum(m["role"] == "assistant" for m in r["messages"]) for r in records]),
        "calls_per_trace": _spread([len(_calls(r)) for r in records]),
        "length_unit": "tokens" if counter else "characters",
        "length": _spread(lengths),
    }


def read_traces(path: Path) -> tuple[list[dict[str, Any]], list[int]]:
    """(valid trace records, line numbers of the invalid non-blank lines) of a JSONL file."""
    records, invalid = [], []
    for number, raw in enumerate(path.read_bytes().split(b"\n"), 1):
        if not raw.strip():
            continue
        record, problems = parse_line(raw)
        if problems:
            invalid.append(number)
        else:
            records.append(record)
    return records, invalid


def _calls(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for m in record["messages"] if m["role"] == "assistant" for c in m.get("tool_calls") or []]


def _tool(name: str) -> str:
    # Generated toolsets have thousands of names; one line for all of them reads better.
    return "synthetic (generated tools)" if _SYNTHETIC.match(name) else name


def _outcome(record: dict[str, Any]) -> str:
    meta = record.get("meta", {})
    if "passed" in meta:
        return "passed" if meta["passed"] else "failed"
    return str(meta.get("outcome", "?"))


def _count(items) -> dict[str, int]:
    return dict(Counter(items).most_common())


def _spread(values: list[int]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    return {
        "min": ordered[0],
        "p50": statistics.median(ordered),
        "p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        "max": ordered[-1],
        "mean": round(statistics.fmean(ordered), 1),
    }
