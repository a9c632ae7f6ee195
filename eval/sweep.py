"""Checkpoint sweeps: score each adapter of a training run and plot completion against the step.

`looptune eval TASKS --adapter out/checkpoint-* -o DIR` runs one eval per
adapter into DIR/<checkpoint name>/ (each resumable on its own), then writes
DIR/sweep.json and DIR/sweep.html. It knows a run only as the `evaluate`
callable it is given (eval.cli_run passes its own), so it imports no runner.
"""

from __future__ import annotations

import glob
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from agent.fsutil import atomic_write_text
from agent.settings import SettingsError
from eval.report import svg
from eval.report.html import page, table
from eval.report.terminal import fmt

Evaluate = Callable[[Path, str], tuple[int, dict[str, Any]]]  # (run folder, adapter) -> (exit code, report)


def run_sweep(root: Path, adapters: list[str], evaluate: Evaluate) -> int:
    """One eval per adapter into root/<adapter name>/, then the sweep summary; stops at the first interrupted run."""
    points = []
    for adapter in adapters:
        code, report = evaluate(root / Path(adapter.rstrip("/")).name, adapter)
        points.append(_point(adapter, step_of(adapter)[0], report))
        if code:
            break
    _write(root, points)
    return 130 if len(points) < len(adapters) or points[-1]["status"] != "complete" else 0


def expand_adapters(values: list[str] | None) -> list[str]:
    """Adapter paths with globs expanded (checkpoints sorted by step); a glob matching nothing is an error."""
    found: list[str] = []
    for value in values or []:
        if glob.has_magic(value):
            matches = glob.glob(value)
            if not matches:
                raise SettingsError(f"--adapter {value}: matches nothing")
            found += sorted(matches, key=step_of)
        else:
            found.append(value)
    return found


def step_of(path: str) -> tuple[int, str]:
    """The training step in a `checkpoint-N` path (for ordering and plotting); -1 when there is none."""
    name = Path(path.rstrip("/")).name
    digits = name.rsplit("-", 1)[-1]
    return (int(digits) if digits.isdigit() else -1, name)


def _point(adapter: str, step: int, report: dict[str, Any]) -> dict[str, Any]:
    overall = report["metrics"]["overall"]
    keys = ("completion", "selection", "parameters", "hallucinations_per_100_calls")
    return {"adapter": adapter, "step": step, "status": report["status"], **{k: overall[k] for k in keys}}


def _write(root: Path, points: list[dict[str, Any]]) -> None:
    atomic_write_text(root / "sweep.json", json.dumps({"points": points}, indent=2) + "\n")
    chart = svg.line(
        [(p["step"], p["completion"] or 0.0) for p in points if p["step"] >= 0],
        "completion vs step",
        "step",
        "completion",
    )
    rows = [
        [p["adapter"], p["step"], fmt(p["completion"], "pct"), fmt(p["selection"], "pct"), fmt(p["parameters"], "pct")]
        for p in points
    ]
    body = (
        "<h1>looptune eval: checkpoint sweep</h1><figure><figcaption>Task completion vs training step</figcaption>"
        + chart
        + "</figure>"
        + table(["adapter", "step", "completion", "selection", "parameters"], rows)
    )
    atomic_write_text(root / "sweep.html", page("looptune eval sweep", body))
    view = Table("adapter", "step", "completion", "selection", "parameters", box=None, title="checkpoint sweep")
    for p, row in zip(points, rows, strict=True):
        view.add_row(Text(p["adapter"]), *(str(c) for c in row[1:]))
    console = Console(highlight=False, soft_wrap=True)
    console.print(view)
    console.print(Text(f"sweep: {root / 'sweep.html'}  ·  {root / 'sweep.json'}"))
