"""Where the files server works: its own `--root` folders, else the client's MCP roots, else the state dir.

A client that offers roots (`roots/list`) says which folders the user works
in; looptune's `run` and `chat` offer the directory they were started in. The
roots are asked for at each call (a client may change them between calls), and
a client's root must exist: it is never created. With neither, the workspace is
`<state dir>/files`, created on first use. This module knows nothing of tools.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

import anyio
import mcp_types as types
from mcp.server.mcpserver import Context

from mcp_servers._common import ToolError
from mcp_servers.files.paths import Workspace

ROOTS_WAIT_S = 10.0


def _offers_roots(ctx: Context) -> bool:
    capabilities = ctx.session.client_capabilities
    return capabilities is not None and capabilities.roots is not None


def _folder(uri: str) -> Path | None:
    parsed = urlparse(uri)
    if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
        return None
    return Path(unquote(parsed.path))


async def client_roots(ctx: Context) -> list[Path]:
    """The folders of the client's file:// roots; ToolError if it cannot or will not say."""
    try:
        with anyio.fail_after(ROOTS_WAIT_S):
            # The SDK's list_roots() is this same request, marked deprecated for the 2026 protocol; handshake-era
            # clients (looptune, Claude Desktop, VS Code) still answer it.
            listed = await ctx.session.send_request(types.ListRootsRequest(), types.ListRootsResult)
    except TimeoutError:
        raise ToolError(f"the client did not list its roots within {ROOTS_WAIT_S:g} s") from None
    except Exception as exc:  # an error answer or no way to ask: the call fails, the server keeps serving
        raise ToolError(f"could not ask the client for its roots: {exc}") from exc
    folders = [folder for folder in (_folder(str(root.uri)) for root in listed.roots) if folder is not None]
    if not folders:
        raise ToolError("the client offers no file:// roots, so there is no workspace folder")
    return folders


class WorkspaceSource:
    """The workspace of one call: fixed `--root` folders, the client's roots, or the state dir's folder."""

    def __init__(self, roots: list[Path], fallback: Path) -> None:
        self._fixed = Workspace(roots) if roots else None
        self._fallback_path = fallback
        self._fallback: Workspace | None = None
        self._offered: dict[tuple[Path, ...], Workspace] = {}

    async def workspace(self, ctx: Context) -> Workspace:
        if self._fixed is not None:
            return self._fixed
        if _offers_roots(ctx):
            folders = tuple(await client_roots(ctx))
            if folders not in self._offered:
                self._offered[folders] = Workspace(list(folders), create=False)
            return self._offered[folders]
        if self._fallback is None:
            self._fallback = Workspace([self._fallback_path])
        return self._fallback
