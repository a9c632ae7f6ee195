"""The report of one run as a JSON-ready dict: every figure, the settings, versions and hardware.

A run that did not finish every planned episode (Ctrl+C, a kill) is marked
partial with how many of how many; its figures cover the finished ones only.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent.fsutil import atomic_write_text
from eval.metrics import THRESHOLDS, compute_metrics
from eval.records import EpisodeRecord
from eval.report.environment import hardware, versions
from eval.rundir import EvalRunError, RunDir

FORMAT = 1


def build_report(run: RunDir, *, interrupted: bool = False) -> dict[str, Any]:
    """Compute every figure of the run in `run` from its journal."""
    settings = run.load_settings()
    records = sorted(run.records(), key=lambda r: (r.task_id, r.trial))
    done, planned = len(records), settings.planned
    status = "complete" if done >= planned and not interrupted else "partial"
    return {
        "format": FORMAT,
        "run_dir": str(run.path),
        "status": status,
        "status_detail": _status_detail(status, done, planned, interrupted),
        "episodes_done": done,
        "episodes_planned": planned,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": settings.model_dump(mode="json"),
        "versions": versions(),
        "hardware": hardware(),
        "thresholds": {key: {"op": op, "bar": bar} for key, (op, bar) in THRESHOLDS.items()},
        "metrics": compute_metrics(records),
        "tasks": task_outcomes(records),
        "distributions": {
            "step_s": [round(s, 3) for r in records for s in r.step_s],
            "task_s": [round(r.duration_s, 3) for r in records],
        },
        "failed_episodes": [_failure(r) for r in records if not r.passed],
    }


def _status_detail(status: str, done: int, planned: int, interrupted: bool) -> str:
    if status == "complete":
        return f"all {planned} episodes"
    why = "interrupted" if interrupted else "unfinished"
    return f"PARTIAL ({why}): {done} of {planned} episodes; resume with --resume"


def task_outcomes(records: list[EpisodeRecord]) -> dict[str, dict[str, Any]]:
    """Per task: its category, trials run and trials passed (what `compare` pairs on)."""
    outcomes: dict[str, dict[str, Any]] = defaultdict(lambda: {"category": "", "trials": 0, "passed": 0})
    for record in records:
        entry = outcomes[record.task_id]
        entry["category"] = record.category
        entry["trials"] += 1
        entry["passed"] += int(record.passed)
    return dict(outcomes)


def _failure(record: EpisodeRecord) -> dict[str, Any]:
    return {
        "task_id": record.task_id,
        "trial": record.trial,
        "category": record.category,
        "reason": record.reason,
        "calls": [c.name for c in record.calls],
        "expected": record.expected,
        "answer": record.answer[:300],
    }


def write_reports(run: RunDir, report: dict[str, Any]) -> None:
    """Write report.json and report.html atomically next to the journals."""
    from eval.report.html import run_page

    atomic_write_text(run.report_json, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    atomic_write_text(run.report_html, run_page(report))


def load_report(path: str) -> dict[str, Any]:
    """A run's report.json, from the run directory or the file itself."""
    file = Path(path)
    file = file / "report.json" if file.is_dir() else file
    try:
        report = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise EvalRunError(f"{file}: no report here (run `looptune eval ... -o DIR` first)") from exc
    except json.JSONDecodeError as exc:
        raise EvalRunError(f"{file}:{exc.lineno}: not JSON ({exc.msg})") from exc
    if not isinstance(report, dict) or report.get("format") != FORMAT:
        raise EvalRunError(f"{file}: not a looptune eval report (format {FORMAT})")
    return report
