"""The synthetic MCP server: serves one generated toolset and records every call.

Tools are not Python functions here but generated schemas, so the server
lists them and dispatches calls itself (the SDK's public `list_tools` /
`call_tool` seam), validating arguments against the exact schema it
advertised. Each accepted call is appended to `synthetic-calls.jsonl` in the
state dir and answered with its confirmation code. Nothing here knows tasks.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from jsonschema import Draft202012Validator
from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult, Tool

from mcp_servers._common import ADDITIVE, READ_ONLY, ToolError, result
from mcp_servers.synthetic.toolset import result_code

CALLS_FILE = "synthetic-calls.jsonl"


class ServedTool(Protocol):
    """What the server needs of a generated tool (a blueprint variant or a universe tool).

    Read-only properties, so frozen dataclasses satisfy it: the server never sets them."""

    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def parameters(self) -> dict[str, Any]: ...

    @property
    def read_only(self) -> bool: ...


class SyntheticServer(MCPServer):
    """An MCPServer whose tools come from a generated toolset."""

    def __init__(self, name: str, tools: Sequence[ServedTool], calls_path: Path) -> None:
        super().__init__(name, instructions="Generated tools; read each description and schema before calling.")
        self.synthetic = {tool.name: tool for tool in tools}
        self.calls_path = calls_path

    async def list_tools(self) -> list[Tool]:
        """The generated tools with their exact schemas."""
        return [_mcp_tool(tool) for tool in self.synthetic.values()]

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> CallToolResult:
        """Validate, record, and answer with the call's confirmation code."""
        tool = self.synthetic.get(name)
        if tool is None:
            raise ToolError(f"unknown tool {name!r}; tools: {', '.join(self.synthetic)}")
        _validate(tool, arguments)
        self._record(name, arguments)
        code = result_code(name, arguments)
        verb = "result" if tool.read_only else "done"
        answer = getattr(tool, "answer", None)  # universe tools word their own replies (a search names an id)
        text = answer(code) if answer is not None else f"{name}: {verb}, reference {code}"
        return result(text, {"tool": name, "reference": code})

    def _record(self, name: str, arguments: dict[str, Any]) -> None:
        self.calls_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.calls_path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"tool": name, "arguments": arguments}, ensure_ascii=False) + "\n")


def _mcp_tool(tool: ServedTool) -> Tool:
    hints = READ_ONLY if tool.read_only else ADDITIVE
    return Tool(name=tool.name, description=tool.description, input_schema=tool.parameters, annotations=hints)


def _validate(tool: ServedTool, arguments: dict[str, Any]) -> None:
    error = next(iter(sorted(Draft202012Validator(tool.parameters).iter_errors(arguments), key=str)), None)
    if error is None:
        return
    where = ".".join(str(part) for part in error.absolute_path) or "arguments"
    raise ToolError(f"invalid {where}: {error.message}")
