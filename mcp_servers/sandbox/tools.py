"""The sandbox server's MCP tool, run_python (the catalog contract: `run_python(code, timeout_s=10)`).

The tool checks its arguments, runs the code in a worker thread (the event
loop keeps serving other calls meanwhile) and renders the outcome. Its
description states the limits and what this host's isolation really is.
"""

from __future__ import annotations

import math
import threading
from typing import Annotated

import anyio
from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult
from pydantic import Field

from mcp_servers._common import ADDITIVE, ToolError, result
from mcp_servers.sandbox import limits, report, runner
from mcp_servers.sandbox.isolation import Confinement


def description(confinement: Confinement) -> str:
    """What run_python does, its limits and this host's isolation, in a few lines."""
    return (
        "Run Python 3 code (standard library) in a fresh throwaway folder; returns exit code, stdout and stderr. "
        f"Limits: timeout_s {limits.MIN_TIMEOUT_S:g}-{limits.MAX_TIMEOUT_S:g} s, "
        f"{limits.MEMORY_BYTES >> 20} MB memory, {limits.OUTPUT_BYTES >> 10} KB output per stream. "
        f"Empty environment. {confinement.describe()}. print() what you need to see."
    )


def _checked(code: str, timeout_s: float) -> tuple[float, list[str]]:
    if not code.strip():
        raise ToolError("code is empty; pass Python source, e.g. print(2 + 2)")
    if len(code) > limits.CODE_CHARS:
        raise ToolError(f"code is {len(code):,} characters; the limit is {limits.CODE_CHARS:,}")
    if not math.isfinite(timeout_s):
        raise ToolError(f"timeout_s must be a number of seconds ({limits.MIN_TIMEOUT_S:g}-{limits.MAX_TIMEOUT_S:g})")
    used = limits.clamp_timeout(timeout_s)
    notes = [] if used == timeout_s else [f"timeout_s {timeout_s:g} is outside the allowed range; used {used:g}"]
    return used, notes


def register(server: MCPServer, confinement: Confinement) -> None:
    """Add run_python, running code under `confinement`, to `server`."""

    # Additive, not open-world: a run only touches its own throwaway folder.
    @server.tool(name="run_python", description=description(confinement), annotations=ADDITIVE)
    async def run_python(
        code: Annotated[str, Field(description="Python source to run as a script")],
        timeout_s: Annotated[float, Field(description="wall-time limit in seconds")] = 10,
    ) -> CallToolResult:
        used, notes = _checked(code, timeout_s)
        stop = threading.Event()
        try:
            outcome = await anyio.to_thread.run_sync(runner.run, code, used, confinement, stop, abandon_on_cancel=True)
        except anyio.get_cancelled_exc_class():
            stop.set()  # a cancelled call (the user pressed Ctrl+C) kills the run now, not at its timeout
            raise
        return result(*report.render(outcome, used, notes))
