"""looptune's bundled MCP servers: the environments the agent works in.

Each server is a module runnable alone (`python -m mcp_servers.NAME`); this
package depends on the `mcp` SDK and the standard library only.
"""

from __future__ import annotations

import sys
from typing import Any

# Servers listed here are present in every registry by default; a user entry
# with the same name overrides or disables them like any other server.
BUNDLED: tuple[str, ...] = ()


def bundled_servers() -> dict[str, dict[str, Any]]:
    """Registry entries for the bundled servers, run with this interpreter."""
    return {name: {"command": sys.executable, "args": ["-m", f"mcp_servers.{name}"]} for name in BUNDLED}
