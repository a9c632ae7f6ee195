"""`eval_tasks` in a training config: score the fresh adapter with the eval and put the figures in its card.

The eval runs in this process (`eval.cli_run.run_eval` with typed
`EvalSettings`, the run `looptune eval` would make; its command line is
printed first), into OUTPUT_DIR/eval/. It knows no flags.
"""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.text import Text

from agent.backends.settings import BackendSettings
from agent.errors import LooptuneError
from eval.settings import EvalSettings

err = Console(stderr=True, highlight=False, soft_wrap=True)
FIGURES = (("completion", "task completion"), ("selection", "tool selection"), ("parameters", "parameter accuracy"))
MAX_TOKENS = 384  # per model turn: the eval's answers are short, and the default would let a looping model run long


def eval_settings(tasks: str, adapter: Path, base_model: str) -> EvalSettings:
    """The eval that scores `adapter` on `tasks`, into `adapter`/eval."""
    backend = BackendSettings(backend="local", model=base_model, adapter=str(adapter))
    return EvalSettings(tasks=tasks, output=str(adapter / "eval"), max_tokens=MAX_TOKENS, backend=backend)


def command_line(settings: EvalSettings) -> str:
    """The `looptune eval` command a user would type for the same run."""
    backend = settings.backend
    return (
        f"looptune eval {settings.tasks} --adapter {backend.adapter} --model {backend.model}"
        f" --max-tokens {settings.max_tokens} -o {settings.output}"
    )


def evaluate_adapter(tasks: str, adapter: Path, base_model: str) -> dict | None:
    """Run the eval; returns report.json (None when the eval could not run), and appends it to README.md."""
    from eval.cli_run import run_eval

    settings = eval_settings(tasks, adapter, base_model)
    err.print(Text("eval: " + command_line(settings)))
    try:
        code = run_eval(settings)
    except LooptuneError as exc:
        code = exc.exit_code
        err.print(Text(f"eval: {exc}", "red"))
    report_file = adapter / "eval" / "report.json"
    if code != 0 or not report_file.is_file():
        err.print(Text(f"eval failed (exit {code}); the adapter is saved, the card has no eval", "red"))
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
