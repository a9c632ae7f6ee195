"""The `synthetic` server: procedurally generated tools, so a model learns to read schemas.

`python -m mcp_servers.synthetic --seed N [--masked]` serves the toolset of
seed N (4-6 tools drawn from domain blueprints with varied names, parameter
types, enums, nested objects and optional parameters); `--masked` renames
functions and parameters to opaque ids. Calls are validated against the
advertised schema, recorded in `synthetic-calls.jsonl` under the state dir
and answered with a confirmation code that `toolset.result_code` predicts.
Episodes refer to it as `synthetic-<seed>` or `synthetic-<seed>-masked`.
"""

from __future__ import annotations

import re

from mcp.server.mcpserver import MCPServer

from mcp_servers._common import server_parser, state_path
from mcp_servers.synthetic.server import CALLS_FILE, SyntheticServer
from mcp_servers.synthetic.toolset import generate_toolset

NAME = "synthetic"
EPISODE_NAME = re.compile(r"synthetic-(\d{1,9})(-masked)?")


def build(argv: list[str]) -> MCPServer:
    """A synthetic server for the toolset named in `argv`."""
    parser = server_parser(NAME, "Procedurally generated tools that record their calls.")
    parser.add_argument("--seed", type=int, required=True, help="which toolset")
    parser.add_argument("--masked", action="store_true", help="opaque function and parameter names")
    args = parser.parse_args(argv)
    name = f"{NAME}-{args.seed}" + ("-masked" if args.masked else "")
    tools = generate_toolset(args.seed, args.masked)
    return SyntheticServer(name, tools, state_path(CALLS_FILE, None, args.state_dir))


def episode_args(name: str) -> list[str] | None:
    """`--seed N [--masked]` for an episode server name like `synthetic-12-masked`; None for other names."""
    match = EPISODE_NAME.fullmatch(name)
    if match is None:
        return None
    return ["--seed", match.group(1), *(["--masked"] if match.group(2) else [])]
