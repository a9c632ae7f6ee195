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
