"""Task families, found through the `looptune.task_families` entry-point group.

Built-in families register in pyproject.toml exactly as a third-party package
would; `load_family` finds one by name. `generate_tasks` spreads N tasks
evenly over the chosen families. This module knows nothing of any family's
content.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import entry_points
from typing import Any

from agent.errors import USAGE, LooptuneError
from eval.families.base import SPLITS, Ctx, Draft, Family, Intent
from eval.tasks import Task

GROUP = "looptune.task_families"
BUILTIN = ("single_tool", "multi_step", "error_handling", "context", "no_tool", "generic", "universe")
# Families generated only when named: "all families" stays the set the committed
# held-out file (docs/results/heldout-test.jsonl) was generated from, so it regenerates.
NOT_BY_DEFAULT = ("universe",)


class FamilyError(LooptuneError, ValueError):
    """An unknown family or a bad request for tasks."""

    exit_code = USAGE


def available_families() -> list[str]:
    """Names of every installed family, built-ins first in their declared order."""
    names = {ep.name for ep in entry_points(group=GROUP)}
    return [n for n in BUILTIN if n in names] + sorted(names - set(BUILTIN))


def load_family(name: str) -> Family:
    """The family registered as `name`."""
    found = [ep for ep in entry_points(group=GROUP) if ep.name == name]
    if not found:
        raise FamilyError(f"unknown task family {name!r}; available: {', '.join(available_families())}")
    family = found[0].load()
    if not isinstance(family, Family):
        raise FamilyError(f"task family {name!r} ({found[0].value}) is not an eval.families.Family")
    return family


def shares(n: int, parts: int) -> list[int]:
    """`n` split into `parts` counts that differ by at most one."""
    return [n // parts + (1 if i < n % parts else 0) for i in range(parts)]


def default_families() -> list[str]:
    """The families `generate_tasks` spreads over when none are named."""
    return [name for name in available_families() if name not in NOT_BY_DEFAULT]


def generate_tasks(
    names: Sequence[str] | None,
    split: str,
    n: int,
    seed: int,
    options: dict[str, Any] | None = None,
    intents: Sequence[str] | None = None,
) -> list[Task]:
    """`n` tasks of `split` spread evenly over the named families (`default_families()` when None); with
    `intents`, only those intents, over the families that have one of them."""
    if split not in SPLITS:
        raise FamilyError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
    if n < 0:
        raise FamilyError("the number of tasks must not be negative")
    families = [load_family(name) for name in (names or default_families())]
    if intents:
        families = _having(families, split, set(intents))
    tasks: list[Task] = []
    for family, count in zip(families, shares(n, len(families)), strict=True):
        tasks.extend(family.generate(count, split, seed, options, set(intents) if intents else None))
    return tasks


def _having(families: list[Family], split: str, wanted: set[str]) -> list[Family]:
    """The families drawing at least one wanted intent in `split`; every wanted intent must be drawn by one."""
    known = {i.name for f in families for i in f.drawn(split)}
    if unknown := sorted(wanted - known):
        offered = ", ".join(sorted(known))
        raise FamilyError(f"no {split} intent {', '.join(unknown)} in these families; they have: {offered}")
    return [f for f in families if any(i.name in wanted for i in f.drawn(split))]


__all__ = ["SPLITS", "Ctx", "Draft", "Family", "FamilyError", "Intent", "generate_tasks", "load_family"]
