"""The `looptune tasks` subcommands: argparse namespaces in, files and tables out.

The agent CLI imports this module only inside the subcommand, so `import
agent` stays free of eval. It knows nothing of argparse's construction.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from agent.cli.errors import CliError
from eval.families import available_families, generate_tasks, load_family
from eval.tasks import write_tasks

out = Console(highlight=False, soft_wrap=True)


def generate_command(args: argparse.Namespace) -> int:
    """Generate tasks and write them atomically; prints counts by family and category."""
    if not 0.0 <= args.masked <= 1.0:
        raise CliError("--masked must be between 0 and 1", code=2)
    tasks = generate_tasks(args.family, args.split, args.n, args.seed, {"masked": args.masked})
    count = write_tasks(Path(args.output), tasks)
    by = Counter((t.meta["family"], t.category) for t in tasks)
    table = Table("family", "category", "tasks", box=None)
    for (family, category), n in sorted(by.items()):
        table.add_row(family, category, str(n))
    out.print(table)
    out.print(f"wrote {count} {args.split} tasks (seed {args.seed}) to {args.output}")
    return 0


def families_command(args: argparse.Namespace) -> int:
    """List families with their intents and train/test template counts."""
    table = Table("family", "intents", "train templates", "test templates", "about", box=None)
    for name in available_families():
        family = load_family(name)
        train, test = family.template_ids("train"), family.template_ids("test")
        table.add_row(name, str(len(family.all_intents)), str(len(train)), str(len(test)), family.description)
    out.print(table)
    return 0
