"""What every bundled server shares: running (stdio or HTTP), state locations, results, hints, field checks.

A bundled server is a module `mcp_servers.NAME` with `build(argv) -> MCPServer`
(a fresh server with fresh state bound to its arguments, usable in-process)
and a `__main__` that calls `serve(build)`. This module depends on the `mcp`
SDK and the standard library only.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent, ToolAnnotations

from mcp_servers._sqlite import OpenError

T = TypeVar("T")
STATE_ENV = "LOOPTUNE_STATE_DIR"

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=False)
ADDITIVE = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)
DESTRUCTIVE = ToolAnnotations(read_only_hint=False, destructive_hint=True, open_world_hint=False)
MAX_TITLE = 300

__all__ = [
    "ADDITIVE",
    "DESTRUCTIVE",
    "MAX_TITLE",
    "READ_ONLY",
    "ToolError",
    "add_db_option",
    "clean_tags",
    "clean_title",
    "open_db",
    "result",
    "serve",
    "server_parser",
    "state_path",
]


def state_path(name: str, explicit: str | os.PathLike[str] | None = None, state_dir: str | None = None) -> Path:
    """Where a server keeps `name`: the explicit path, else `<state_dir>/name` (`--state-dir`),
    else `$LOOPTUNE_STATE_DIR/name`, else the XDG data dir."""
    if explicit:
        return Path(explicit).expanduser()
    if state_dir:
        return Path(state_dir).expanduser() / name
    if os.environ.get(STATE_ENV):
        return Path(os.environ[STATE_ENV]) / name
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "looptune" / name


def result(text: str, data: dict[str, Any] | None = None) -> CallToolResult:
    """A tool result: `text` for the model (naming every field), `data` as structuredContent."""
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=data)


def clean_title(title: str) -> str:
    """The title with whitespace collapsed; ToolError unless it has 1 to MAX_TITLE characters."""
    clean = " ".join(title.split())
    if not clean or len(clean) > MAX_TITLE:
        raise ToolError(f"title must be 1 to {MAX_TITLE} characters")
    return clean


def clean_tags(tags: list[str]) -> list[str]:
    """Tags trimmed, lower-cased, split on commas and de-duplicated, in order."""
    out: list[str] = []
    for raw in tags:
        out.extend(" ".join(part.split()).lower() for part in raw.split(","))
    return list(dict.fromkeys(t for t in out if t))


def server_parser(name: str, description: str) -> argparse.ArgumentParser:
    """An argument parser with the `--state-dir` every bundled server accepts."""
    parser = argparse.ArgumentParser(prog=f"python -m mcp_servers.{name}", description=description)
    parser.add_argument("--state-dir", help=f"keep state under this folder (default: ${STATE_ENV} or the XDG data dir)")
    return parser


def add_db_option(parser: argparse.ArgumentParser, filename: str, holds: str) -> None:
    """The `--db PATH` option of a server that keeps `holds` in one SQLite file."""
    parser.add_argument("--db", help=f"SQLite file to keep {holds} in (default: {filename} in the state dir)")


def open_db(parser: argparse.ArgumentParser, args: argparse.Namespace, filename: str, opener: Callable[[Path], T]) -> T:
    """`opener` applied to the `--db` path (else `filename` in the state dir); a usage error if it fails.

    A file that cannot be used is an error at start (exit status 2 with the reason),
    not a failure of every later call.
    """
    path = state_path(filename, args.db, args.state_dir)
    try:
        return opener(path)
    except (sqlite3.Error, OSError, OpenError) as exc:
        parser.error(f"cannot use {path}: {exc}".replace("\n", " "))


def _http_address(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    return host or "127.0.0.1", int(port)


def serve(build: Callable[[list[str]], MCPServer], argv: Sequence[str] | None = None) -> None:
    """Run a bundled server: stdio by default, streamable HTTP with `--http HOST:PORT`."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--http", type=_http_address, metavar="HOST:PORT")
    known, rest = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    server = build(rest)
    if known.http is None:
        server.run()
    else:
        host, port = known.http
        server.run("streamable-http", host=host, port=port)
