"""`looptune tasks synthesize`: flags in, the server resolved from the registry, tasks and a summary out.

The agent CLI imports this module only inside the subcommand. It knows
nothing of argparse's construction.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import anyio
from rich.console import Console
from rich.table import Table

from agent.registry import load_registry
from agent.settings import SettingsError
from eval.synthesize.build import SynthesisResult, synthesize
from eval.synthesize.examples import Examples, load_examples
from eval.synthesize.execute import Target, list_tools
from eval.tasks import write_tasks

out = Console(highlight=False, soft_wrap=True)


def synthesize_command(args: argparse.Namespace) -> int:
    """Synthesize, write atomically, print kept / rejected by reason; exit 1 when nothing was kept."""
    if args.n < 1:
        raise SettingsError("--n must be at least 1")
    target = _target(args.server, args.mcp_config)
    examples = _examples(args.examples, target) if args.examples else None
    result = anyio.run(_run, target, args, examples)
    count = write_tasks(Path(args.output), result.tasks)
    _summary(result, args, count)
    return 0 if count else 1


def _target(name: str, mcp_config: str | None) -> Target:
    """The bundled server by that name (fresh state, as eval mounts it), else the registry's entry."""
    from mcp_servers import BUNDLED

    registry = load_registry(mcp_config)
    enabled = registry.enabled()
    if name in BUNDLED and registry.source(name) == "bundled":
        return Target(name)
    if name not in enabled:
        known = ", ".join(sorted(enabled)) or "none"
        raise SettingsError(f"--server {name}: not an enabled server in {registry.path} (enabled: {known})")
    return Target(name, enabled[name])


def _examples(path: str, target: Target) -> Examples:
    tools = anyio.run(list_tools, target)
    return load_examples(path, {t.tool.name: t.schema for t in tools})


async def _run(target: Target, args: argparse.Namespace, examples: Examples | None) -> SynthesisResult:
    return await synthesize(target, args.n, args.seed, examples, args.include_destructive)


def _summary(result: SynthesisResult, args: argparse.Namespace, count: int) -> None:
    table = Table("outcome", "count", box=None)
    table.add_row("kept", str(count))
    for reason, n in sorted(result.rejected.items()):
        table.add_row(f"rejected: {reason}", str(n))
    out.print(table)
    if result.skipped_tools:
        out.print(f"skipped destructive tools (--include-destructive to use them): {', '.join(result.skipped_tools)}")
    out.print(f"wrote {count} tasks for {args.server} (seed {args.seed}) to {args.output}")
