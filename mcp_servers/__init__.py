"""looptune's bundled MCP servers: the environments the agent works in.

Each server is a module runnable alone (`python -m mcp_servers.NAME`, stdio by
default, `--http HOST:PORT` for streamable HTTP) with a `build(argv)` factory
that the runtime can also mount in-process. This package depends on the `mcp`
SDK and the standard library only.
"""

from __future__ import annotations

import os
import sys
from typing import Any

# Present in every registry by default; a user entry with the same name
# overrides or disables them like any other server.
BUNDLED: tuple[str, ...] = ("knowledge", "files", "sandbox", "sql", "calc", "tasks")
# The MCP SDK hands stdio servers only a safe subset of the environment; the
# bundled servers must still keep state where the user's looptune does.
STATE_ENV = {"LOOPTUNE_STATE_DIR": "${LOOPTUNE_STATE_DIR:-}", "XDG_DATA_HOME": "${XDG_DATA_HOME:-}"}
# Outside an episode, `files` works in the folder looptune was started in: offered
# to it as its MCP root ("." is resolved by the client, in the client's directory).
FILES_ROOTS = ["."]


def bundled_servers(
    state_dir: str | os.PathLike[str] | None = None, *, inproc: bool = False
) -> dict[str, dict[str, Any]]:
    """Registry entries for the bundled servers.

    With `state_dir`, every stateful server keeps its state under that folder
    (a fresh one per episode gives fresh state, and `files` works in its
    `files` folder). Without, `files` works in the client's current directory
    (`FILES_ROOTS`). With `inproc`, the entries build the servers inside the
    calling process instead of spawning them.
    """
    # Every bundled server takes --state-dir, whether built here or run as a process.
    state = [] if state_dir is None else ["--state-dir", str(state_dir)]
    entries: dict[str, dict[str, Any]] = {}
    for name in BUNDLED:
        if inproc:
            entries[name] = {"factory": f"mcp_servers.{name}:build", "args": list(state)}
        else:
            entries[name] = {"command": sys.executable, "args": ["-m", f"mcp_servers.{name}", *state]}
            if state_dir is None:
                entries[name]["env"] = dict(STATE_ENV)
    if state_dir is None:
        entries["files"]["roots"] = list(FILES_ROOTS)
    return entries


def episode_servers(
    names: list[str], state_dir: str | os.PathLike[str], *, inproc: bool = False
) -> dict[str, dict[str, Any]]:
    """Registry entries for an episode's servers: bundled names, `synthetic-<seed>[-masked]`, `universe-<seed>`.

    Unknown names are left out; the caller reports them.
    """
    from mcp_servers.synthetic import episode_args

    bundled = bundled_servers(state_dir, inproc=inproc)
    entries: dict[str, dict[str, Any]] = {}
    for name in names:
        args = episode_args(name)
        if name in bundled:
            entries[name] = bundled[name]
        elif args is not None:
            args += ["--state-dir", str(state_dir)]
            entries[name] = (
                {"factory": "mcp_servers.synthetic:build", "args": args}
                if inproc
                else {"command": sys.executable, "args": ["-m", "mcp_servers.synthetic", *args]}
            )
    return entries
