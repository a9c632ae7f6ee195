"""`looptune tasks generate|families|synthesize|selfcheck|learn-shortlist`: tasks in and out.

Task families or a server's schemas -> tasks.jsonl; a family's oracle
self-check; the shortlist's associations learned from training tasks.
Flags and printing are here; the work is in `eval.families`, `eval.tasks`,
`eval.synthesize` and `training.shortlist_learn`, imported when the
subcommand runs, so `import agent` stays free of eval and training.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from agent.cli.agent_setup import add_registry_flag
from agent.cli.errors import CliError

out = Console(highlight=False, soft_wrap=True)


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
    gen.add_argument(
        "--intent",
        action="append",
        metavar="NAME",
        help="only this intent (repeatable), e.g. universe's irrelevant and missing to add refusal data; "
        "--n is spread over the families that have one",
    )
    gen.add_argument("-o", "--output", required=True, metavar="FILE")
    gen.set_defaults(handler=_generate)
    actions.add_parser("families", help="list the installed task families").set_defaults(handler=_families)
    _add_synthesize(actions)
    _add_selfcheck(actions)
    _add_learn_shortlist(actions)


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


def _add_selfcheck(actions: argparse._SubParsersAction) -> None:
    check = actions.add_parser(
        "selfcheck", help="run a family's tasks (both splits) with the oracle: every one must pass"
    )
    check.add_argument("family", metavar="FAMILY", help="an installed family (looptune tasks families)")
    check.add_argument("--n", type=int, default=30, help="tasks per split and seed (default 30)")
    check.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], metavar="S", help="(default 0 1 2)")
    check.set_defaults(handler=_selfcheck)


def _add_learn_shortlist(actions: argparse._SubParsersAction) -> None:
    learn = actions.add_parser(
        "learn-shortlist", help="learn the expanded shortlister's request-word -> tool-word associations"
    )
    learn.add_argument("--tasks", required=True, help="training tasks (looptune tasks generate --split train)")
    learn.add_argument("-o", "--output", help="where (default: the associations.json the shortlister ships)")
    learn.set_defaults(handler=_learn_shortlist)


def _generate(args: argparse.Namespace) -> int:
    """Generate tasks and write them atomically; prints counts by family and category."""
    from eval.families import generate_tasks
    from eval.tasks import write_tasks

    if not 0.0 <= args.masked <= 1.0:
        raise CliError("--masked must be between 0 and 1", code=2)
    tasks = generate_tasks(args.family, args.split, args.n, args.seed, {"masked": args.masked}, args.intent)
    count = write_tasks(Path(args.output), tasks)
    by = Counter((t.meta["family"], t.category) for t in tasks)
    table = Table("family", "category", "tasks", box=None)
    for (family, category), n in sorted(by.items()):
        table.add_row(family, category, str(n))
    out.print(table)
    out.print(f"wrote {count} {args.split} tasks (seed {args.seed}) to {args.output}")
    return 0


def _families(args: argparse.Namespace) -> int:
    """List families with their intents and train/test template counts."""
    from eval.families import available_families, load_family

    table = Table("family", "intents", "train templates", "test templates", "about", box=None)
    for name in available_families():
        family = load_family(name)
        train, test = family.template_ids("train"), family.template_ids("test")
        table.add_row(name, str(len(family.all_intents)), str(len(train)), str(len(test)), family.description)
    out.print(table)
    return 0


def _synthesize(args: argparse.Namespace) -> int:
    from eval.synthesize.cli import synthesize_tasks

    return synthesize_tasks(
        args.server,
        args.output,
        n=args.n,
        seed=args.seed,
        examples=args.examples,
        include_destructive=args.include_destructive,
        mcp_config=args.mcp_config,
    )


def _selfcheck(args: argparse.Namespace) -> int:
    """Print each oracle failure with its reason and the pass count; exit 1 if any failed."""
    import anyio

    from eval.families.selfcheck import oracle_failures, selfcheck_tasks

    tasks = selfcheck_tasks(args.family, args.n, args.seeds)
    failed = anyio.run(oracle_failures, tasks)
    for episode in failed:
        print(f"{episode.task.id} [{episode.task.meta.get('template')}]: {episode.reason}")
    print(f"{len(tasks) - len(failed)}/{len(tasks)} oracle episodes passed")
    return 1 if failed else 0


def _learn_shortlist(args: argparse.Namespace) -> int:
    from training.shortlist_learn import DATA, learn_file

    output = Path(args.output) if args.output else DATA
    kept, read = learn_file(Path(args.tasks), output)
    print(f"{kept} request words from {read} training tasks -> {output}")
    return 0
