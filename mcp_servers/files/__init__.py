"""The `files` MCP server: a folder on disk the agent may list, read, write, search and delete in.

Run: `python -m mcp_servers.files [--root DIR ...] [--state-dir DIR]`. With no
`--root`, the workspace is the folders the client offers as MCP roots, else
`<state dir>/files` (created if missing; see `roots`). Paths are relative to
the first root, or absolute inside any root; nothing outside the roots is
reachable, not through `..`, absolute paths or symbolic links (see `paths`
and `beneath`). Known limits: a hard link inside a root to a
file outside it reads that file (hard links cannot be told apart); names that
are not valid UTF-8 are listed with replacement characters and cannot be
addressed.
"""

from __future__ import annotations

from pathlib import Path

from mcp.server.mcpserver import MCPServer

from mcp_servers._common import server_parser, state_path
from mcp_servers.files.roots import WorkspaceSource
from mcp_servers.files.tools import register

INSTRUCTIONS = (
    "A workspace folder on disk: list, read, write, search and delete files. "
    "Every path is relative to the workspace root (e.g. 'notes/todo.txt'); nothing outside it is reachable."
)


def build(argv: list[str]) -> MCPServer:
    """A files server confined to the `--root` folders in `argv`, else to the client's roots, else the state dir's."""
    parser = server_parser("files", "A filesystem confined to its root folders.")
    parser.add_argument(
        "--root",
        action="append",
        metavar="DIR",
        help="a folder the server may use (repeatable; default: the client's MCP roots, else <state dir>/files)",
    )
    args = parser.parse_args(argv)
    roots = [Path(r).expanduser() for r in args.root or []]
    server = MCPServer("files", instructions=INSTRUCTIONS)
    register(server, WorkspaceSource(roots, state_path("files", None, args.state_dir)))
    return server
