"""`traces export`: traces as the bare `{"messages", "tools"}` lines OpenAI fine-tuning and TRL read.

`meta` is dropped (OpenAI's fine-tuning API rejects unknown keys); invalid
lines are skipped and counted, never copied. Optional filters keep only
passed episodes or some categories. It knows nothing of how traces were made.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from agent.fsutil import atomic_write_text
from training.traces.checks import line_problems


@dataclass
class ExportReport:
    written: int = 0
    skipped: Counter[str] = field(default_factory=Counter)  # why lines were left out


def export_traces(
    source: Path, out: Path, *, passed_only: bool = True, categories: Iterable[str] | None = None
) -> ExportReport:
    """Write the kept traces of `source` without `meta` to `out` (atomically)."""
    wanted = set(categories or ())
    report, lines = ExportReport(), []
    for raw in source.read_text(encoding="utf-8").splitlines():
        if not raw.strip():
            continue
        record, problems = line_problems(raw)
        reason = _skip_reason(record, problems, passed_only, wanted)
        if reason:
            report.skipped[reason] += 1
            continue
        lines.append(json.dumps({"messages": record["messages"], "tools": record["tools"]}, ensure_ascii=False))
    atomic_write_text(out, "".join(line + "\n" for line in lines))
    report.written = len(lines)
    return report


def _skip_reason(record, problems: list[str], passed_only: bool, wanted: set[str]) -> str | None:
    if problems:
        return "invalid"
    meta = record.get("meta") or {}
    if passed_only and meta.get("passed") is False:
        return "failed episode"
    if wanted and meta.get("category") not in wanted:
        return "other category"
    return None
