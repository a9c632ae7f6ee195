"""The `sandbox` MCP server: run untrusted Python in a separate, confined, throwaway process per call.

Run: `python -m mcp_servers.sandbox`. It keeps no state (`--state-dir` is
accepted like every bundled server's and unused). Every call is a new process
in a new temporary folder that is deleted afterwards, with an empty
environment, its own process group, resource limits (CPU, memory, file size,
open files, tasks), a wall-time limit that kills the whole group, and capped
output. What is and is not isolated on a given host (network, PID and mount
namespaces, a user of its own; never seccomp) is decided by `isolation.probe`,
stated in the tool's description and logged at start, with the reason for
each protection the host does not allow; `isolation`'s docstring has the details.
"""

from __future__ import annotations

import logging

from mcp.server.mcpserver import MCPServer

from mcp_servers._common import server_parser
from mcp_servers.sandbox.isolation import probe
from mcp_servers.sandbox.tools import register

log = logging.getLogger("looptune.sandbox")

INSTRUCTIONS = (
    "Runs Python code in a throwaway sandbox and returns exit code, stdout and stderr. "
    "Nothing persists between calls: each run starts in an empty folder."
)


def build(argv: list[str]) -> MCPServer:
    """A sandbox server; the host's isolation is probed once per process."""
    parser = server_parser("sandbox", "Run untrusted Python code in a confined, throwaway process.")
    parser.parse_args(argv)
    server = MCPServer("sandbox", instructions=INSTRUCTIONS)
    confinement = probe()
    # After MCPServer(), which sends logging to stderr: what this host isolates, and what it could not.
    log.info("isolation: %s", confinement.describe())
    for shortfall in confinement.shortfalls:
        log.warning("isolation: %s", shortfall)
    register(server, confinement)
    return server
