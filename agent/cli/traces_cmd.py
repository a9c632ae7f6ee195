"""`looptune traces generate|validate|stats|export`: flags only; the work is in `training.traces`, imported on use.

Each action is one `_name(parser)` function adding its flags and a `_lazy`
handler; adding an action is one line in `register` and one such function.
This module knows nothing of what a valid trace is.
"""

from __future__ import annotations

import argparse
import importlib

from agent.cli.agent_setup import add_local_flags, backend_settings
from agent.cli.argv import positive_int
from agent.cli.errors import CliError
from agent.cli.eval_cmd import distractors_arg
from agent.cli.shortlist_flags import add_shortlist_flags


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("traces", help="generate verified training traces; validate and count trace files")
    actions = parser.add_subparsers(dest="traces_command", required=True, metavar="ACTION")
    _generate(actions.add_parser("generate", help="run tasks with a teacher, keep the verified episodes"))
    _validate(actions.add_parser("validate", help="check a trace file as OpenAI fine-tuning and TRL would"))
    _stats(actions.add_parser("stats", help="counts by category, tool, steps and token length"))
    _export(actions.add_parser("export", help="bare messages+tools lines for OpenAI fine-tuning / TRL (no meta)"))


def _lazy(module: str, function: str, settings=None):
    """A handler that imports `module` only when the subcommand runs; unreadable/unwritable files exit 2.

    With `settings`, the function takes what `settings(args)` makes of the flags instead of the flags.
    """

    def run(args: argparse.Namespace) -> int:
        handler = getattr(importlib.import_module(module), function)
        try:
            return handler(settings(args) if settings else args)
        except OSError as exc:
            if exc.filename is None:
                raise
            raise CliError(f"{exc.filename}: {exc.strerror}", code=2) from exc

    return run


def _generate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tasks", required=True, metavar="FILE", help="task JSONL (looptune tasks generate)")
    parser.add_argument("--teacher", default="oracle", help="oracle (the tasks' reference plans) or a backend name")
    parser.add_argument("-o", "--output", required=True, metavar="FILE", help="trace JSONL (appended, resumable)")
    parser.add_argument("--jobs", type=int, default=4, help="episodes at once (default 4)")
    parser.add_argument("--max-steps", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per episode (default 300)")
    parser.add_argument("--seed", type=int, help="sampling seed for a model teacher")
    parser.add_argument("--retry-rejected", action="store_true", help="run the tasks rejected by an earlier run again")
    parser.add_argument(
        "--mcp-config", metavar="PATH", help="registry for task servers that are not bundled (default: the user's)"
    )
    parser.add_argument(
        "--distractors",
        type=distractors_arg,
        default="all",
        metavar="all|none|N",
        help="bundled servers mounted besides each task's own (default all: as the chat mounts them)",
    )
    add_shortlist_flags(parser)
    teacher = parser.add_argument_group("model teacher (rejection sampling: only episodes passing every check)")
    teacher.add_argument("--model", help="model id or path")
    teacher.add_argument("--adapter", help="LoRA adapter path")
    teacher.add_argument("--base-url", help="OpenAI-compatible base URL")
    teacher.add_argument("--api-key", help="API key for --base-url (default: $OPENAI_API_KEY)")
    teacher.add_argument("--script", help="turns for --teacher scripted")
    add_local_flags(teacher)
    parser.set_defaults(handler=_lazy("training.traces.cli", "run_generate", generate_settings))


def generate_settings(args: argparse.Namespace):
    """`traces generate`'s flags as typed `GenerateSettings` (the teacher is a backend named by --teacher)."""
    from agent.settings import validated
    from training.traces.settings import GenerateSettings

    return validated(
        GenerateSettings,
        dict(
            tasks=args.tasks,
            output=args.output,
            teacher=backend_settings(args, backend=args.teacher),
            jobs=args.jobs,
            max_steps=args.max_steps,
            timeout=args.timeout,
            seed=args.seed,
            retry_rejected=args.retry_rejected,
            mcp_config=args.mcp_config,
            distractors=args.distractors,
            shortlist=args.shortlist,
            shortlist_method=args.shortlist_method,
        ),
        "the command line",
    )


def _tokenizer_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tokenizer", default="bundled", metavar="bundled|none|DIR", help="for token lengths (default: bundled)"
    )


def _validate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("--max-tokens", type=positive_int, default=4096, help="longest allowed trace (default 4096)")
    parser.add_argument("--fix-out", metavar="OUT", help="write only the valid lines here")
    _tokenizer_flag(parser)
    parser.set_defaults(handler=_lazy("training.traces.cli", "validate_command"))


def _stats(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    _tokenizer_flag(parser)
    parser.set_defaults(handler=_lazy("training.traces.cli", "stats_command"))


def _export(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("-o", "--output", required=True, metavar="OUT")
    parser.add_argument("--category", action="append", metavar="C", help="only this category (repeatable)")
    parser.add_argument("--all", action="store_true", help="keep failed episodes too (meta.passed false)")
    parser.set_defaults(handler=_lazy("training.traces.cli", "export_command"))
