"""The oracle must pass every task of a family: a family author's first test (`looptune tasks selfcheck FAMILY`).

Generates tasks of both splits for each seed and runs the oracle teacher
through the real loop against fresh real servers. The CLI prints each
failure with its reason and exits 1 if any; this module knows no flags.
"""

from __future__ import annotations

from collections.abc import Sequence

from eval.families import SPLITS, load_family
from eval.oracle import oracle_backend
from eval.runner import Episode, run_episode
from eval.tasks import Task

SEEDS = (0, 1, 2)


def selfcheck_tasks(family: str, n: int = 30, seeds: Sequence[int] = SEEDS) -> list[Task]:
    """`n` tasks of each split for each seed: what a self-check runs."""
    generator = load_family(family)
    return [t for seed in seeds for split in SPLITS for t in generator.generate(n, split, seed)]


async def oracle_failures(tasks: list[Task]) -> list[Episode]:
    """Episodes of `tasks` run by the oracle that did not pass."""
    failed = []
    for task in tasks:
        episode = await run_episode(task, oracle_backend(task))
        if not episode.passed:
            failed.append(episode)
    return failed
