"""`looptune tasks generate|synthesize`: task families or a server's schemas -> tasks.jsonl.

The work is in `eval` (eval.cli, eval.synthesize), imported on use.
"""

from __future__ import annotations

import argparse

from agent.cli.agent_setup import add_registry_flag


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("tasks", help="generate task JSONL from the task families")
    actions = parser.add_subparsers(dest="tasks_command", required=True, metavar="ACTION")
    gen = actions.add_parser("generate", help="seeded tasks from the families (the default ones unless named)")
    gen.add_argument("--family", action="append", metavar="F", help="a family (repeatable; default: all but universe)")
    gen.add_argument("--split", choices=("train", "test"), default="train", help="phrasings/entities (default train)")
    gen.add_argument("--n", type=int, default=100, help="number of tasks, spread evenly over families (default 100)")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument(
        "--masked",
        type=float,
        default=0.0,
        metavar="P",
        help="generic and universe families: share of tasks whose tools get opaque function/parameter names (Hammer)",
    )
    gen.add_argument("-o", "--output", required=True, metavar="FILE")
    gen.set_defaults(handler=_generate)
    actions.add_parser("families", help="list the installed task families").set_defaults(handler=_families)
    _add_synthesize(actions)


def _add_synthesize(actions: argparse._SubParsersAction) -> None:
    syn = actions.add_parser(
        "synthesize", help="execution-verified tasks for any registered MCP server, from its tool schemas"
    )
    syn.add_argument("--server", required=True, metavar="NAME", help="a registered (or bundled) server")
    syn.add_argument("--n", type=int, default=20, help="tasks to keep (default 20)")
    syn.add_argument("--examples", metavar="FILE", help="YAML: examples: {tool: ['request with {param} slots']}")
    syn.add_argument("--seed", type=int, default=0)
    syn.add_argument("--include-destructive", action="store_true", help="also call tools annotated destructive")
    syn.add_argument("-o", "--output", required=True, metavar="FILE")
    add_registry_flag(syn)
    syn.set_defaults(handler=_synthesize)


def _generate(args: argparse.Namespace) -> int:
    from eval.cli import generate_command

    return generate_command(args)


def _families(args: argparse.Namespace) -> int:
    from eval.cli import families_command

    return families_command(args)


def _synthesize(args: argparse.Namespace) -> int:
    from eval.synthesize.cli import synthesize_command

    return synthesize_command(args)
