"""`--shortlist K` and `--shortlist-method M`: one definition for run, chat, eval, traces and serve.

Every command that shows a model tools takes the same flags with the same
default, so what eval measures and training sees is what the chat does.
The flags live in the CLI (the only layer that knows argv); below it the
values travel as typed `shortlist` / `shortlist_method` settings fields.
"""

from __future__ import annotations

import argparse

from agent.shortlist.select import DEFAULT_K, DEFAULT_METHOD


def _k(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of tools (0 = off), got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 (off) or more tools, got {value}")
    return value


def add_shortlist_flags(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    from agent.shortlist import methods

    parser.add_argument(
        "--shortlist",
        type=_k,
        default=DEFAULT_K,
        metavar="K",
        help=f"show the model only the K tools most relevant to the conversation, plus tools already "
        f"called (default {DEFAULT_K}; 0 = every mounted tool)",
    )
    parser.add_argument(
        "--shortlist-method",
        choices=methods(),
        default=DEFAULT_METHOD,
        help=f"how tools are ranked for --shortlist (default {DEFAULT_METHOD})",
    )
