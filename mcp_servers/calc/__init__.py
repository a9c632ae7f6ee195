"""The bundled `calc` server: a safe exact calculator and a unit converter (stateless).

`build(argv)` returns a fresh server; `--state-dir` is accepted like every
bundled server's and ignored, since calc keeps no state.
"""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from mcp_servers._common import server_parser
from mcp_servers.calc.tools import register

INSTRUCTIONS = (
    "A calculator. Use evaluate for any arithmetic instead of computing in your head, "
    "and convert_units for unit conversions."
)


def build(argv: list[str]) -> MCPServer:
    """A fresh calc server (its arguments only `--state-dir`, which it ignores)."""
    server_parser("calc", "A safe exact calculator and unit converter.").parse_args(argv)
    server = MCPServer("calc", instructions=INSTRUCTIONS)
    register(server)
    return server
