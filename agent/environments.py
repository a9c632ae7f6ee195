"""Fresh bundled environments: the bundled servers on a new, temporary state directory.

Eval and trace generation start every episode from fresh server state (as
tau-bench does). Mounting in-process keeps that cheap: no interpreter per
server, just new server objects bound to a new folder. This module knows the
bundled catalog only through `mcp_servers.bundled_servers`.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from agent.hub import Hub
from agent.registry import ServerConfig


def bundled_configs(
    state_dir: str, names: Sequence[str] | None = None, *, inproc: bool = True
) -> dict[str, ServerConfig]:
    """Configs for (some of) the bundled servers, all keeping state under `state_dir`.

    Besides the bundled names, `synthetic-<seed>[-masked]` mounts a generated toolset.
    """
    from mcp_servers import BUNDLED, episode_servers

    wanted = list(BUNDLED if names is None else names)  # [] is no bundled server, not all of them
    entries = episode_servers(wanted, state_dir, inproc=inproc)
    unknown = sorted(set(wanted) - set(entries))
    if unknown:
        raise ValueError(
            f"not bundled servers: {', '.join(unknown)} (bundled: {', '.join(BUNDLED)}, or synthetic-<seed>)"
        )
    return {name: ServerConfig.model_validate(entries[name]) for name in wanted}


@asynccontextmanager
async def fresh_environment(
    names: Sequence[str] | None = None,
    *,
    inproc: bool = True,
    extra: Mapping[str, ServerConfig] | None = None,
    **hub_options: Any,
) -> AsyncIterator[Hub]:
    """A hub over fresh bundled servers (plus `extra` servers); the state is deleted on exit."""
    with tempfile.TemporaryDirectory(prefix="looptune-episode-") as state_dir:
        servers = {**bundled_configs(state_dir, names, inproc=inproc), **(extra or {})}
        async with Hub(servers, **hub_options) as hub:
            yield hub
