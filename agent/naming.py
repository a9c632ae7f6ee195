"""Model-facing tool names: MCP tool `t` of server `s` is exposed as `s__t`.

Names are sanitized to `^[A-Za-z0-9_-]{1,64}$`, the pattern OpenAI-compatible
APIs accept. This module knows nothing of MCP sessions; it only maps names.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from agent.errors import LooptuneError

SEPARATOR = "__"
MAX_LEN = 64
_BAD = re.compile(r"[^A-Za-z0-9_-]")


class ToolNameCollision(LooptuneError, ValueError):
    """Two (server, tool) pairs sanitize to the same model-facing name."""


def sanitize(text: str) -> str:
    """Replace every character outside `[A-Za-z0-9_-]` with `_`."""
    return _BAD.sub("_", text) or "_"


def exposed_name(server: str, tool: str) -> str:
    """The name a model sees for `tool` of `server`, at most 64 characters."""
    name = f"{sanitize(server)}{SEPARATOR}{sanitize(tool)}"
    if len(name) <= MAX_LEN:
        return name
    # Long names keep a readable head and a hash so distinct tools stay distinct.
    digest = hashlib.sha1(f"{server}\0{tool}".encode()).hexdigest()[:8]
    return f"{name[: MAX_LEN - 9]}_{digest}"


def owner(name: str, servers: Iterable[str]) -> str | None:
    """The server whose tools are exposed under this name's prefix (the longest such server name)."""
    return max((s for s in servers if name.startswith(sanitize(s) + SEPARATOR)), key=len, default=None)


class NameTable:
    """Maps exposed names to (server, tool) and refuses collisions, naming both servers."""

    def __init__(self) -> None:
        self._by_name: dict[str, tuple[str, str]] = {}

    def add(self, server: str, tool: str) -> str:
        """Register a tool and return its exposed name."""
        name = exposed_name(server, tool)
        owner = self._by_name.get(name)
        if owner is not None and owner != (server, tool):
            raise ToolNameCollision(
                f"tool name {name!r} is exposed by both server {owner[0]!r} (tool {owner[1]!r}) "
                f"and server {server!r} (tool {tool!r})"
            )
        self._by_name[name] = (server, tool)
        return name
