"""`looptune eval compare RUN_A RUN_B [...]`: reports in, a side-by-side table (and HTML/JSON) out."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.text import Text

from agent.fsutil import atomic_write_text
from agent.settings import SettingsError
from eval.report.build import load_report
from eval.report.compare import compare_page, compare_table, comparison, verdict


def compare_command(args: argparse.Namespace) -> int:
    """Print the comparison; exit 2 when a run has no readable report."""
    if len(args.runs) < 2:
        raise SettingsError("compare needs at least two runs")
    reports = [load_report(run) for run in args.runs]
    data = comparison(reports)
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        console = Console(highlight=False, soft_wrap=True)
        console.print(compare_table(data))
        for run, test in zip(data["runs"][1:], data["paired_completion"], strict=True):
            console.print(Text(f"completion, {run} vs base: {verdict(test)}"))
    if args.output:
        atomic_write_text(Path(args.output), compare_page(data))
        Console(stderr=True).print(Text(f"wrote {args.output}"))
    return 0
