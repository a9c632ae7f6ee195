"""Shared helpers for the bundled servers' tests, ordinary (tests/test_server_*.py) and hostile (tests/faults/).

One place for how each server is started through the real hub, so the normal
and the fault tests of a surface run it the same way.
"""

from __future__ import annotations

import sys
from pathlib import Path

from agent.registry import ServerConfig

CALL_LIMIT_S = 30


def calc_config(*args: str) -> ServerConfig:
    """The calc server over stdio."""
    return ServerConfig(command=sys.executable, args=["-m", "mcp_servers.calc", *args], timeout=10)


def knowledge_stdio(db: Path, *extra: str) -> dict[str, ServerConfig]:
    """The knowledge server as a subprocess speaking stdio, on `db`."""
    args = ["-m", "mcp_servers.knowledge", "--db", str(db), *extra]
    return {"knowledge": ServerConfig(command=sys.executable, args=args)}
