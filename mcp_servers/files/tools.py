"""The files server's MCP tools: names, arguments, descriptions and hints (the catalog contract).

Each tool resolves its path through the `Workspace` (which refuses anything
outside the roots) and hands the `Target` to the module that does the work.
This module holds no state of its own.
"""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult
from pydantic import Field

from mcp_servers._common import DESTRUCTIVE, READ_ONLY, result
from mcp_servers.files import listing, reading, searching, writing
from mcp_servers.files.paths import Workspace

FilePath = Annotated[str, Field(description="file path relative to the workspace root, e.g. 'notes/todo.txt'")]
FolderPath = Annotated[str, Field(description="folder relative to the workspace root ('.' is the root)")]


def register(server: MCPServer, workspace: Workspace) -> None:
    """Add list_dir, read_file, write_file, search and delete_file for `workspace` to `server`."""

    @server.tool(
        name="list_dir",
        description="List a workspace folder: each entry's name, whether it is a folder, and its size.",
        annotations=READ_ONLY,
    )
    def list_dir(path: FolderPath = ".") -> CallToolResult:
        return result(*listing.list_dir(workspace.resolve(path)))

    @server.tool(
        name="read_file",
        description=f"Read a text file from the workspace (first {reading.READ_LIMIT // 1024} KB). "
        "Binary files are described, not shown.",
        annotations=READ_ONLY,
    )
    def read_file(path: FilePath) -> CallToolResult:
        return result(*reading.read_file(workspace.resolve(path)))

    @server.tool(
        name="write_file",
        description="Create or overwrite a text file in the workspace; missing folders are created. "
        "Says whether it was created or overwritten, and its size.",
        annotations=DESTRUCTIVE,
    )
    def write_file(path: FilePath, content: Annotated[str, Field(description="the full new text")]) -> CallToolResult:
        return result(*writing.write_file(workspace.resolve(path), content))

    @server.tool(
        name="search",
        description="Find files under a folder whose name or text contains `pattern` "
        "(plain text, case-insensitive). Returns 'path:line: text' lines.",
        annotations=READ_ONLY,
    )
    def search(
        pattern: Annotated[str, Field(description="text to look for")], path: FolderPath = "."
    ) -> CallToolResult:
        return result(*searching.search(workspace.resolve(path), pattern))

    @server.tool(
        name="delete_file",
        description="Delete one file from the workspace (folders are refused).",
        annotations=DESTRUCTIVE,
    )
    def delete_file(path: FilePath) -> CallToolResult:
        return result(*writing.delete_file(workspace.resolve(path, keep_last=True)))
