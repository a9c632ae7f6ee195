"""`looptune eval TASKS ... -o RUN_DIR` and `looptune eval compare RUN ...`: flags only.

Flags become typed `eval.settings.EvalSettings`; the work is in `eval.cli_run`
and `eval.cli_compare`, imported when the subcommand runs, so `import agent`
stays free of eval. `eval compare` is its
own parser, reached through `agent.cli.argv.route`.
"""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from agent.cli.agent_setup import add_local_flags, add_registry_flag, backend_settings
from agent.cli.argv import positive_int
from agent.cli.shortlist_flags import add_shortlist_flags

if TYPE_CHECKING:
    from eval.settings import EvalSettings

COMPARE = "eval compare"


def distractors_arg(text: str) -> str | int:
    """`all`, `none` or a number of bundled servers (eval and trace generation read it alike)."""
    if text in ("all", "none"):
        return text
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"must be all, none or a number of servers, got {text!r}")
    return int(text)


def settle_tasks(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """TASKS swallowed by `--adapter A [A ...]` (`eval --adapter none tasks.jsonl`) is taken back.

    Adapters are directories, so a last value naming a file or ending in .jsonl is the task file.
    """
    if args.tasks is not None:
        return
    adapters = list(args.adapter or [])
    if adapters and (adapters[-1].endswith(".jsonl") or Path(adapters[-1]).is_file()):
        args.tasks = adapters.pop()
        args.adapter = adapters or None
        return
    parser.error("the following arguments are required: TASKS")


def eval_settings(args: argparse.Namespace) -> EvalSettings:
    """The typed settings of this `looptune eval` (the adapters stay a list: several make a sweep)."""
    from agent.settings import validated
    from eval.settings import EvalSettings

    return validated(
        EvalSettings,
        dict(
            tasks=args.tasks,
            output=args.output,
            resume=args.resume,
            trials=args.trials,
            jobs=args.jobs,
            distractors=args.distractors,
            max_steps=args.max_steps,
            timeout=args.timeout,
            seed=args.seed,
            temperature=args.temperature,
            max_tokens=args.max_tokens,
            stdio=args.stdio,
            shortlist=args.shortlist,
            shortlist_method=args.shortlist_method,
            mcp_config=args.mcp_config,
            backend=backend_settings(args, adapter=None),
            adapters=args.adapter or [],
        ),
        "the command line",
    )


def eval_command(args: argparse.Namespace) -> int:
    from eval.cli_run import run_eval

    return run_eval(eval_settings(args))


def compare_command(args: argparse.Namespace) -> int:
    from eval.cli_compare import compare_runs

    return compare_runs(args.runs, output=args.output, as_json=args.json)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "eval",
        help="end-to-end task-completion benchmark (and `eval compare RUN RUN ...`)",
        epilog="Compare runs: looptune eval compare RUN_A RUN_B [...] [-o compare.html]",
    )
    # Optional to argparse only: `--adapter A B` is greedy, so `settle_tasks` takes TASKS back from it.
    parser.add_argument("tasks", nargs="?", metavar="TASKS", help="task JSONL (looptune tasks generate --split test)")
    parser.add_argument("-o", "--output", required=True, metavar="RUN_DIR", help="where journals and reports go")
    parser.add_argument("--resume", action="store_true", help="continue the run in RUN_DIR (same tasks and settings)")
    parser.add_argument("--trials", type=positive_int, default=1, help="runs of each task, for pass^k (default 1)")
    parser.add_argument("--jobs", type=positive_int, default=1, help="episodes at once (default 1)")
    parser.add_argument(
        "--distractors",
        type=distractors_arg,
        default="all",
        metavar="all|none|N",
        help="bundled servers mounted besides each task's own (default all: as the chat mounts them; "
        "none: only the task's own, the easier condition)",
    )
    parser.add_argument("--max-steps", type=positive_int, default=10, help="model turns per episode (default 10)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per episode (default 300)")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed of trial 0 (trial t uses seed + t)")
    parser.add_argument("--temperature", type=float, help="sampling temperature (default: the backend's)")
    parser.add_argument("--max-tokens", type=positive_int, help="tokens per model turn (default: the backend's)")
    parser.add_argument("--stdio", action="store_true", help="spawn bundled servers as processes (default in-process)")
    add_shortlist_flags(parser)
    add_registry_flag(parser)
    model = parser.add_argument_group("model")
    model.add_argument("--backend", default="local", help="local | openai | scripted | oracle (default local)")
    model.add_argument("--model", help="model id or path (default: the bundled model)")
    model.add_argument(
        "--adapter",
        nargs="+",
        action="extend",  # `--adapter a --adapter b` sweeps both, as `--adapter a b` does
        metavar="A",
        help="LoRA adapter(s); several (or a glob) score each: a checkpoint sweep",
    )
    model.add_argument("--base-url", help="OpenAI-compatible base URL")
    model.add_argument("--api-key", help="API key for --base-url (default: $OPENAI_API_KEY)")
    model.add_argument("--script", help="turns for --backend scripted")
    add_local_flags(model)
    parser.set_defaults(handler=eval_command, settle=partial(settle_tasks, parser))

    compare = sub.add_parser(COMPARE, prog="looptune eval compare", help="compare eval runs side by side")
    compare.add_argument("runs", nargs="+", metavar="RUN", help="run directories (or report.json files); first = base")
    compare.add_argument("-o", "--output", metavar="HTML", help="also write the comparison as one HTML page")
    compare.add_argument("--json", action="store_true", help="print the comparison as JSON")
    compare.set_defaults(handler=compare_command)
