"""`looptune tasks generate`: task families -> tasks.jsonl (the work is in `eval`, imported on use)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("tasks", help="generate task JSONL from the task families")
    actions = parser.add_subparsers(dest="tasks_command", required=True, metavar="ACTION")
    gen = actions.add_parser("generate", help="seeded tasks from the families (all families by default)")
    gen.add_argument("--family", action="append", metavar="F", help="a family (repeatable; default: all)")
    gen.add_argument("--split", choices=("train", "test"), default="train", help="phrasings/entities (default train)")
    gen.add_argument("--n", type=int, default=100, help="number of tasks, spread evenly over families (default 100)")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument(
        "--masked",
        type=float,
        default=0.0,
        metavar="P",
        help="generic family: share of tasks whose tools get renamed functions/parameters (Hammer)",
    )
    gen.add_argument("-o", "--output", required=True, metavar="FILE")
    gen.set_defaults(handler=_generate)
    actions.add_parser("families", help="list the installed task families").set_defaults(handler=_families)


def _generate(args: argparse.Namespace) -> int:
    from eval.cli import generate_command

    return generate_command(args)


def _families(args: argparse.Namespace) -> int:
    from eval.cli import families_command

    return families_command(args)
