"""`eval_tasks` in a training config: score the fresh adapter with `looptune eval` and put the figures in its card.

The eval runs as its own `looptune eval` process (the same command a user
would type, printed first), into OUTPUT_DIR/eval/, so the training
process's memory and autograd state cannot leak into the scores.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rich.console import Console
from rich.text import Text

err = Console(stderr=True, highlight=False, soft_wrap=True)
FIGURES = (("completion", "task completion"), ("selection", "tool selection"), ("parameters", "parameter accuracy"))


def eval_command(tasks: str, adapter: Path, base_model: str) -> list[str]:
    """The `looptune eval` command line that scores `adapter` on `tasks`."""
    command = [sys.executable, "-m", "agent.cli.main", "eval", tasks, "--adapter", str(adapter)]
    command += ["--model", base_model, "--max-tokens", "384", "-o", str(adapter / "eval")]
    return command


def evaluate_adapter(tasks: str, adapter: Path, base_model: str) -> dict | None:
    """Run the eval; returns report.json (None when the eval could not run), and appends it to README.md."""
    command = eval_command(tasks, adapter, base_model)
    err.print(Text("eval: " + " ".join(command[2:])))
    done = subprocess.run(command, check=False)
    report_file = adapter / "eval" / "report.json"
    if done.returncode != 0 or not report_file.is_file():
        err.print(Text(f"eval failed (exit {done.returncode}); the adapter is saved, the card has no eval", "red"))
        return None
    report = json.loads(report_file.read_text(encoding="utf-8"))
    card = adapter / "README.md"
    card.write_text(card.read_text(encoding="utf-8") + eval_section(report, tasks), encoding="utf-8")
    return report


def eval_section(report: dict, tasks: str) -> str:
    """The model card's eval section: headline figures on `tasks`."""
    overall = report["metrics"]["overall"]
    rows = [f"| {label} | {_pct(overall[key])} |" for key, label in FIGURES]
    by_category = [f"| {name} | {_pct(s['completion'])} |" for name, s in report["metrics"]["by_category"].items()]
    return "\n".join(
        [
            "",
            "## Eval",
            "",
            f"`looptune eval {tasks}` ({overall['tasks']} tasks, report in `eval/`):",
            "",
            "| metric | value |",
            "|---|---|",
            *rows,
            "",
            "| category | completion |",
            "|---|---|",
            *by_category,
            "",
        ]
    )


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"
