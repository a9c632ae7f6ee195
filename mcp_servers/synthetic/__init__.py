"""The `synthetic` server: procedurally generated tools, so a model learns to read schemas.

`python -m mcp_servers.synthetic --seed N [--masked]` serves the toolset of
seed N (4-6 tools drawn from domain blueprints with varied names, parameter
types, enums, nested objects and optional parameters); `--masked` renames
functions and parameters to opaque ids. Calls are validated against the
advertised schema, recorded in `synthetic-calls.jsonl` under the state dir
and answered with a confirmation code that `toolset.result_code` predicts.
Episodes refer to it as `synthetic-<seed>` or `synthetic-<seed>-masked`.
With `--universe` it serves toolset `seed` of the tool universe instead
(`universe.draw_toolset`: 6-31 tools from thousands), named `universe-<seed>`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mcp.server.mcpserver import MCPServer

from mcp_servers._common import server_parser, state_path
from mcp_servers.synthetic.server import CALLS_FILE, ServedTool, SyntheticServer
from mcp_servers.synthetic.toolset import generate_toolset

NAME = "synthetic"
UNIVERSE = "universe"
EPISODE_NAME = re.compile(r"(synthetic|universe)-(\d{1,9})(-masked)?")


def build(argv: list[str]) -> MCPServer:
    """A synthetic server for the toolset named in `argv`."""
    parser = server_parser(NAME, "Procedurally generated tools that record their calls.")
    parser.add_argument("--seed", type=int, required=True, help="which toolset")
    parser.add_argument("--masked", action="store_true", help="opaque function and parameter names")
    parser.add_argument("--universe", action="store_true", help="a toolset drawn from the tool universe")
    args = parser.parse_args(argv)
    name = f"{UNIVERSE if args.universe else NAME}-{args.seed}" + ("-masked" if args.masked else "")
    if args.universe:
        from mcp_servers.synthetic.universe import draw_toolset

        tools: Sequence[ServedTool] = draw_toolset(args.seed, args.masked).tools
    else:
        tools = generate_toolset(args.seed, args.masked)
    return SyntheticServer(name, tools, state_path(CALLS_FILE, None, args.state_dir))


def episode_args(name: str) -> list[str] | None:
    """`--seed N [--universe] [--masked]` for a name like `synthetic-12-masked` or `universe-7`; None otherwise."""
    match = EPISODE_NAME.fullmatch(name)
    if match is None:
        return None
    universe = ["--universe"] if match.group(1) == UNIVERSE else []
    return ["--seed", match.group(2), *universe, *(["--masked"] if match.group(3) else [])]
