"""`python -m eval.families.selfcheck FAMILY [--n N] [--seeds 0 1 2]`: the oracle must pass every task.

Generates tasks of both splits for each seed and runs the oracle teacher
through the real loop against fresh real servers; prints each failure with
its reason and exits 1 if any. A family author's first test.
"""

from __future__ import annotations

import argparse
import sys

import anyio

from eval.families import SPLITS, load_family
from eval.oracle import oracle_backend
from eval.runner import Episode, run_episode
from eval.tasks import Task


async def oracle_failures(tasks: list[Task]) -> list[Episode]:
    """Episodes of `tasks` run by the oracle that did not pass."""
    failed = []
    for task in tasks:
        episode = await run_episode(task, oracle_backend(task))
        if not episode.passed:
            failed.append(episode)
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.families.selfcheck")
    parser.add_argument("family")
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args(argv)
    family = load_family(args.family)
    tasks = [t for seed in args.seeds for split in SPLITS for t in family.generate(args.n, split, seed)]
    failed = anyio.run(oracle_failures, tasks)
    for episode in failed:
        print(f"{episode.task.id} [{episode.task.meta.get('template')}]: {episode.reason}")
    print(f"{len(tasks) - len(failed)}/{len(tasks)} oracle episodes passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
