"""`looptune` entry point: parses the command line and hands off to one subcommand module."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from agent import __version__
from agent.cli import (
    chat,
    eval_cmd,
    jobs_cmd,
    mcp_cmd,
    run,
    serve_cmd,
    sessions_cmd,
    tasks_cmd,
    traces_cmd,
    train_cmd,
    vllm_cmd,
)
from agent.cli.argv import route, split_command
from agent.errors import LooptuneError, first_looptune_error


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (one sub-parser per subcommand)."""
    parser = argparse.ArgumentParser(prog="looptune", description="MCP-native agent runtime")
    parser.add_argument("--version", action="version", version=f"looptune {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log hub and transport details to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    agent_commands = (run, chat, mcp_cmd, sessions_cmd, tasks_cmd, traces_cmd, train_cmd, eval_cmd)
    for module in (*agent_commands, serve_cmd, vllm_cmd, jobs_cmd):
        module.register(sub)
    return parser


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The parsed command line; usage errors exit 2 with the subcommand's usage, as argparse does."""
    head, tail = split_command(argv)
    head = route(list(head), {eval_cmd.COMPARE, *train_cmd.COMPOUNDS})
    parser = build_parser()
    args = parser.parse_args(head)
    if tail and not getattr(args, "accepts_command", False):
        parser.error(f"unexpected arguments after --: {' '.join(tail)}")
    args.server_command = tail
    settle = getattr(args, "settle", None)  # a subcommand's own fix-ups argparse cannot express
    if settle is not None:
        settle(args)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR, format="%(name)s: %(message)s")
    if not args.verbose:
        # The hub reports server failures itself, in one line; the SDK's tracebacks are for --verbose.
        logging.getLogger("mcp").setLevel(logging.CRITICAL)
    try:
        return int(args.handler(args) or 0)
    except LooptuneError as exc:  # any layer's error: its one-line message, and 2 for a bad flag, file or name
        return _report(exc)
    except BaseExceptionGroup as group:  # raised inside a task group: the same one line, not a group's traceback
        error = first_looptune_error(group)
        if error is None:
            raise
        return _report(error)
    except KeyboardInterrupt:
        print("looptune: interrupted", file=sys.stderr)
        return 130


def _report(error: LooptuneError) -> int:
    print(f"looptune: {error}", file=sys.stderr)
    return error.exit_code


if __name__ == "__main__":
    sys.exit(main())
