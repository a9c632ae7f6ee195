"""`looptune tasks synthesize`: the server resolved from the registry, tasks and a summary out.

The agent CLI turns the flags into `synthesize_tasks`'s typed arguments and
imports this module only inside the subcommand. It knows no flags and no argv.
"""

from __future__ import annotations

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


def synthesize_tasks(
    server: str,
    output: str,
    *,
    n: int = 20,
    seed: int = 0,
    examples: str | None = None,
    include_destructive: bool = False,
    mcp_config: str | None = None,
) -> int:
    """Synthesize `n` tasks for `server` into `output` (atomically), print kept / rejected by reason; exit 1 when
    nothing was kept. `examples` is a YAML file of request phrasings per tool; `mcp_config` the registry."""
    if n < 1:
        raise SettingsError("--n must be at least 1")
    target = _target(server, mcp_config)
    phrasings = _examples(examples, target) if examples else None
    result = anyio.run(_run, target, n, seed, phrasings, include_destructive)
    count = write_tasks(Path(output), result.tasks)
    _summary(result, count, f"{server} (seed {seed}) to {output}")
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


async def _run(
    target: Target, n: int, seed: int, examples: Examples | None, include_destructive: bool
) -> SynthesisResult:
    return await synthesize(target, n, seed, examples, include_destructive)


def _summary(result: SynthesisResult, count: int, where: str) -> None:
    table = Table("outcome", "count", box=None)
    table.add_row("kept", str(count))
    for reason, n in sorted(result.rejected.items()):
        table.add_row(f"rejected: {reason}", str(n))
    out.print(table)
    if result.skipped_tools:
        out.print(f"skipped destructive tools (--include-destructive to use them): {', '.join(result.skipped_tools)}")
    out.print(f"wrote {count} tasks for {where}")
