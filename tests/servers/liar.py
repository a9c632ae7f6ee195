"""A raw (low-level) MCP server whose one tool breaks its own output schema.

The SDK's high-level server checks its results; this one does not, so the
client is the one that must notice. Run: `python tests/servers/liar.py`.
"""

from __future__ import annotations

import anyio
import mcp_types as types
from mcp.server.lowlevel.server import Server
from mcp.server.stdio import stdio_server

TOOL = types.Tool(
    name="count",
    description="Count things (claims an integer count, sends a string).",
    input_schema={"type": "object", "properties": {}},
    output_schema={"type": "object", "properties": {"count": {"type": "integer"}}, "required": ["count"]},
)


async def list_tools(ctx, params) -> types.ListToolsResult:
    return types.ListToolsResult(tools=[TOOL])


async def call_tool(ctx, params) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text="many")], structured_content={"count": "many"})


async def main() -> None:
    server = Server("liar", on_list_tools=list_tools, on_call_tool=call_tool)
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


if __name__ == "__main__":
    anyio.run(main)
