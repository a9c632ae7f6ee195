"""`looptune traces generate|validate|stats|export`: flags only; the work is in `training.traces`, imported on use.

Each action is one `_name(parser)` function adding its flags and a handler
that turns them into `training.traces.cli`'s typed settings or arguments;
adding an action is one line in `register`, one such function and one
handler. This module knows nothing of what a valid trace is.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from agent.cli.agent_setup import add_local_flags, backend_settings
from agent.cli.argv import positive_int
from agent.cli.errors import CliError
from agent.cli.eval_cmd import distractors_arg
from agent.cli.shortlist_flags import add_shortlist_flags

if TYPE_CHECKING:
    from training.traces.settings import GenerateSettings

Handler = Callable[[argparse.Namespace], int]


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("traces", help="generate verified training traces; validate and count trace files")
    actions = parser.add_subparsers(dest="traces_command", required=True, metavar="ACTION")
    _generate(actions.add_parser("generate", help="run tasks with a teacher, keep the verified episodes"))
    _validate(actions.add_parser("validate", help="check a trace file as OpenAI fine-tuning and TRL would"))
    _stats(actions.add_parser("stats", help="counts by category, tool, steps and token length"))
    _export(actions.add_parser("export", help="bare messages+tools lines for OpenAI fine-tuning / TRL (no meta)"))


def _files_exit_2(handler: Handler) -> Handler:
    """`handler`, with unreadable/unwritable files reported as one line naming the file, exit 2."""

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
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
    parser.set_defaults(handler=_files_exit_2(_run_generate))


def _run_generate(args: argparse.Namespace) -> int:
    from training.traces.cli import run_generate

    return run_generate(generate_settings(args))


def generate_settings(args: argparse.Namespace) -> GenerateSettings:
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
    parser.set_defaults(handler=_files_exit_2(_run_validate))


def _run_validate(args: argparse.Namespace) -> int:
    from training.traces.cli import run_validate

    return run_validate(args.file, max_tokens=args.max_tokens, fix_out=args.fix_out, tokenizer=args.tokenizer)


def _stats(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    _tokenizer_flag(parser)
    parser.set_defaults(handler=_files_exit_2(_run_stats))


def _run_stats(args: argparse.Namespace) -> int:
    from training.traces.cli import run_stats

    return run_stats(args.file, as_json=args.json, tokenizer=args.tokenizer)


def _export(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("-o", "--output", required=True, metavar="OUT")
    parser.add_argument("--category", action="append", metavar="C", help="only this category (repeatable)")
    parser.add_argument("--all", action="store_true", help="keep failed episodes too (meta.passed false)")
    parser.set_defaults(handler=_files_exit_2(_run_export))


def _run_export(args: argparse.Namespace) -> int:
    from training.traces.cli import run_export

    return run_export(args.file, args.output, keep_failed=args.all, categories=args.category)
