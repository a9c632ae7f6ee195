"""The files server's MCP tools: names, arguments, descriptions and hints (the catalog contract).

Each tool finds its call's `Workspace` (see `roots`), resolves its path
through it (anything outside the roots is refused) and hands the `Target` to
the module that does the work, in a worker thread: a search of a big folder
must not stall the server's other requests. This module holds no state of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp_types import CallToolResult
from pydantic import Field

from mcp_servers._common import DESTRUCTIVE, READ_ONLY, result
from mcp_servers.files import listing, reading, searching, writing
from mcp_servers.files.paths import Workspace
from mcp_servers.files.roots import WorkspaceSource

FilePath = Annotated[str, Field(description="file path relative to the workspace root, e.g. 'notes/todo.txt'")]
FolderPath = Annotated[str, Field(description="folder relative to the workspace root ('.' is the root)")]


def register(server: MCPServer, source: WorkspaceSource) -> None:
    """Add list_dir, read_file, write_file, search and delete_file, working where `source` says, to `server`."""

    async def within(ctx: Context, work: Callable[[Workspace], tuple[str, dict[str, Any]]]) -> CallToolResult:
        workspace = await source.workspace(ctx)
        return result(*await anyio.to_thread.run_sync(work, workspace))

    @server.tool(
        name="list_dir",
        description="List a workspace folder: each entry's name, whether it is a folder, and its size.",
        annotations=READ_ONLY,
    )
    async def list_dir(ctx: Context, path: FolderPath = ".") -> CallToolResult:
        return await within(ctx, lambda ws: listing.list_dir(ws.resolve(path)))

    @server.tool(
        name="read_file",
        description=f"Read a text file from the workspace (first {reading.READ_LIMIT // 1024} KB). "
        "Binary files are described, not shown.",
        annotations=READ_ONLY,
    )
    async def read_file(ctx: Context, path: FilePath) -> CallToolResult:
        return await within(ctx, lambda ws: reading.read_file(ws.resolve(path)))

    @server.tool(
        name="write_file",
        description="Create or overwrite a text file in the workspace; missing folders are created. "
        "Says whether it was created or overwritten, and its size.",
        annotations=DESTRUCTIVE,
    )
    async def write_file(
        ctx: Context, path: FilePath, content: Annotated[str, Field(description="the full new text")]
    ) -> CallToolResult:
        return await within(ctx, lambda ws: writing.write_file(ws.resolve(path), content))

    @server.tool(
        name="search",
        description="Find files under a folder whose name or text contains `pattern` "
        "(plain text, case-insensitive). Returns 'path:line: text' lines.",
        annotations=READ_ONLY,
    )
    async def search(
        ctx: Context, pattern: Annotated[str, Field(description="text to look for")], path: FolderPath = "."
    ) -> CallToolResult:
        return await within(ctx, lambda ws: searching.search(ws.resolve(path), pattern))

    @server.tool(
        name="delete_file",
        description="Delete one file from the workspace (folders are refused).",
        annotations=DESTRUCTIVE,
    )
    async def delete_file(ctx: Context, path: FilePath) -> CallToolResult:
        return await within(ctx, lambda ws: writing.delete_file(ws.resolve(path, keep_last=True)))
