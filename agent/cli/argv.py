"""Command-line splitting and argument types shared by `looptune` subcommands and the chat's `/mcp` command."""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def split_command(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split at the first `--`: flags before it, a server command line after it (argparse mangles those)."""
    argv = list(argv)
    if "--" not in argv:
        return argv, []
    cut = argv.index("--")
    return argv[:cut], argv[cut + 1 :]


def positive_int(text: str) -> int:
    """argparse type: a whole number above zero."""
    if not text.isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return int(text)


def positive_float(text: str) -> float:
    """argparse type: a number above zero."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def route(argv: list[str], compounds: set[str]) -> list[str]:
    """Join a two-word command (`eval compare`) into one parser name; global flags may come first.

    argparse cannot mix a positional (`eval TASKS`) with sub-commands of the
    same parser, so `eval compare` is a parser of its own, named with a space.
    """
    for i, word in enumerate(argv):
        if not word.startswith("-"):
            pair = " ".join(argv[i : i + 2])
            return [*argv[:i], pair, *argv[i + 2 :]] if pair in compounds else argv
    return argv
