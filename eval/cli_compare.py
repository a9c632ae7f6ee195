"""`looptune eval compare RUN_A RUN_B [...]`: reports in, a side-by-side table (and HTML/JSON) out.

The CLI (agent/cli/eval_cmd.py) turns the flags into `compare_runs`'s typed
arguments; this module knows no flags and no argv.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.text import Text

from agent.fsutil import atomic_write_text
from agent.settings import SettingsError
from eval.report.build import load_report
from eval.report.compare import compare_page, compare_table, comparison, verdict


def compare_runs(runs: Sequence[str], *, output: str | None = None, as_json: bool = False) -> int:
    """Print the comparison of `runs` (the first is the base), as JSON with `as_json`; `output` also gets it as
    one HTML page. Exit 2 when a run has no readable report."""
    if len(runs) < 2:
        raise SettingsError("compare needs at least two runs")
    reports = [load_report(run) for run in runs]
    data = comparison(reports)
    if as_json:
        print(json.dumps(data, indent=2))
    else:
        console = Console(highlight=False, soft_wrap=True)
        console.print(compare_table(data))
        for run, test in zip(data["runs"][1:], data["paired_completion"], strict=True):
            console.print(Text(f"completion, {run} vs base: {verdict(test)}"))
    if output:
        atomic_write_text(Path(output), compare_page(data))
        Console(stderr=True).print(Text(f"wrote {output}"))
    return 0
