"""APIGen's checks for one candidate call, each on a fresh instance of the server.

Format check: the arguments validate against the tool's schema. Execution
check: the call returns without `isError`. Determinism check: the same call
on a second fresh instance returns the same text, so a check on the result's
text is fair. Bundled servers get a fresh state folder per instance, as eval
episodes do; a registry server is started anew. This module knows nothing of
wording or task files.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio

from agent.environments import fresh_environment
from agent.errors import LooptuneError
from agent.hub import Hub
from agent.hub.arguments import ArgumentError, validate_arguments
from agent.hub.catalog import HubTool
from agent.registry import ServerConfig

CONCURRENCY = 4


class ServerUnavailable(LooptuneError, RuntimeError):
    """The server did not start, so nothing can be checked."""


@dataclass(frozen=True)
class Target:
    """The server under test: a bundled name (config None) or a registry entry."""

    name: str
    config: ServerConfig | None = None


@dataclass
class Verdict:
    """What the checks found: kept with the result text, or rejected with a reason."""

    kept: bool
    reason: str = ""
    text: str = ""
    deterministic: bool = False
    detail: str = ""


@asynccontextmanager
async def fresh_server(target: Target) -> AsyncIterator[Hub]:
    """A hub over one fresh instance of the server; raises ServerUnavailable when it is not up."""
    bundled = [] if target.config is not None else [target.name]
    extra = {target.name: target.config} if target.config is not None else {}
    async with fresh_environment(bundled, extra=extra, on_notice=lambda server, message: None) as hub:
        status = {s.name: s for s in hub.status()}.get(target.name)
        if status is None or status.state != "up":
            raise ServerUnavailable(f"server {target.name!r} did not start: {status.error if status else 'unknown'}")
        yield hub


async def list_tools(target: Target) -> list[HubTool]:
    """The server's tools (exposed names, schemas, annotations)."""
    async with fresh_server(target) as hub:
        return [tool for tool in hub.tools() if tool.server == target.name]


async def _call(target: Target, tool: str, arguments: dict[str, Any]) -> tuple[bool, str]:
    async with fresh_server(target) as hub:
        outcome = await hub.call(tool, dict(arguments))
        return outcome.is_error, outcome.text


async def check_call(target: Target, tool: HubTool, arguments: dict[str, Any]) -> Verdict:
    """Run the format, execution and determinism checks for one call."""
    try:
        validate_arguments(arguments, tool.schema)
    except ArgumentError as exc:
        return Verdict(False, "format", detail=str(exc))
    failed, text = await _call(target, tool.name, arguments)
    if failed:
        return Verdict(False, "execution error", detail=text[:200])
    _, again = await _call(target, tool.name, arguments)
    return Verdict(True, text=text, deterministic=again == text)


async def check_all(target: Target, calls: list[tuple[HubTool, dict[str, Any]]]) -> list[Verdict]:
    """Check many calls, a few at a time (each one starts its own server instances)."""
    verdicts: list[Verdict | None] = [None] * len(calls)
    limiter = anyio.CapacityLimiter(CONCURRENCY)

    async def one(index: int) -> None:
        async with limiter:
            tool, arguments = calls[index]
            verdicts[index] = await check_call(target, tool, arguments)

    async with anyio.create_task_group() as group:
        for index in range(len(calls)):
            group.start_soon(one, index)
    return [v for v in verdicts if v is not None]
