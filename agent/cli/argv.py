"""Command-line splitting shared by `looptune` and the chat's `/mcp` command."""

from __future__ import annotations

from collections.abc import Sequence


def split_command(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split at the first `--`: flags before it, a server command line after it (argparse mangles those)."""
    argv = list(argv)
    if "--" not in argv:
        return argv, []
    cut = argv.index("--")
    return argv[:cut], argv[cut + 1 :]
