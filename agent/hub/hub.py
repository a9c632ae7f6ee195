"""The MCP hub: every enabled server of the registry behind one tool namespace.

The hub starts servers concurrently, exposes their tools as `server__tool`
specs, validates arguments against each tool's schema, dispatches calls with
the server's timeout and turns every failure into a tool result the model can
read. A server that fails to start is reported once; the others keep working.
The hub knows nothing of backends, the loop or the terminal.
"""

from __future__ import annotations

import difflib
import logging
import time
from collections.abc import Callable, Mapping
from contextlib import AsyncExitStack
from typing import Any

import anyio
import mcp_types as types

from agent.hub.arguments import ArgumentError, parse_arguments, validate_arguments
from agent.hub.catalog import HubTool
from agent.hub.connection import ProgressFn, ServerConnection, ServerStatus
from agent.hub.errors import ServerError
from agent.hub.peer import Elicitor, Sampler, ServerPeer, decline_elicitation
from agent.hub.results import DEFAULT_RESULT_CHARS, ToolOutcome, failure, render_result
from agent.messages import ToolSpec
from agent.naming import NameTable, ToolNameCollision
from agent.registry.model import ServerConfig

log = logging.getLogger("looptune.hub")
Notice = Callable[[str, str], None]


def _log_notice(server: str, message: str) -> None:
    log.warning("%s: %s", server, message)


class Hub:
    """Connects to MCP servers and dispatches model tool calls to them."""

    def __init__(
        self,
        servers: Mapping[str, ServerConfig],
        *,
        sampler: Sampler | None = None,
        elicitor: Elicitor = decline_elicitation,
        result_limit: int = DEFAULT_RESULT_CHARS,
        on_notice: Notice = _log_notice,
    ) -> None:
        self._initial = {name: cfg for name, cfg in servers.items() if not cfg.disabled}
        self.sampler, self.elicitor = sampler, elicitor
        self.result_limit = result_limit
        self._notice = on_notice
        self._conns: dict[str, ServerConnection] = {}
        self._tools: dict[str, HubTool] = {}
        self._collisions: dict[str, str] = {}
        self._stack: AsyncExitStack | None = None

    async def __aenter__(self) -> Hub:
        self._stack = AsyncExitStack()
        self._tg = await self._stack.enter_async_context(anyio.create_task_group())
        self._stack.push_async_callback(self._stop_all)
        try:
            async with anyio.create_task_group() as starters:
                for name, config in self._initial.items():
                    starters.start_soon(self._start, name, config)
        except BaseException:
            # Cancelled while servers were starting (Ctrl+C, a timeout): the task group opened
            # above must still be exited here, in this task, or anyio's scopes end up misnested.
            self._tg.cancel_scope.cancel()
            await self._stack.aclose()
            raise
        self._rebuild()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        assert self._stack is not None
        self._tg.cancel_scope.cancel()
        await self._stack.__aexit__(*exc_info)

    async def _start(self, name: str, config: ServerConfig) -> None:
        peer = ServerPeer(name, config.roots, self.sampler, self.elicitor)
        conn = ServerConnection(name, config, peer, self._tg, self._tools_changed)
        self._conns[name] = conn
        try:
            await conn.start()
        except ServerError as exc:
            self._notice(name, str(exc))

    async def _stop_all(self) -> None:
        with anyio.CancelScope(shield=True):
            async with anyio.create_task_group() as stoppers:
                for conn in self._conns.values():
                    stoppers.start_soon(conn.stop)

    async def add_server(self, name: str, config: ServerConfig) -> None:
        """Connect one more server while running (its tools appear at once)."""
        if name in self._conns:
            await self.remove_server(name)
        await self._start(name, config)
        self._rebuild()

    async def remove_server(self, name: str) -> None:
        """Disconnect a server and drop its tools."""
        conn = self._conns.pop(name, None)
        if conn is not None:
            await conn.stop()
        self._rebuild()

    def _tools_changed(self, server: str) -> None:
        self._rebuild()
        self._notice(server, "tool list changed")

    def _rebuild(self) -> None:
        table, tools, collisions = NameTable(), {}, {}
        for name, conn in self._conns.items():
            for tool in conn.tools:
                try:
                    exposed = table.add(name, tool.name)
                except ToolNameCollision as exc:
                    collisions[name] = str(exc)
                    continue
                tools[exposed] = HubTool(exposed, name, tool, conn.config.approval)
        for server, reason in collisions.items():
            if self._collisions.get(server) != reason:
                self._notice(server, f"tool skipped: {reason}")
        self._tools, self._collisions = tools, collisions

    # -- what the loop sees -------------------------------------------------

    def tools(self) -> list[HubTool]:
        return list(self._tools.values())

    def tool(self, name: str) -> HubTool | None:
        return self._tools.get(name)

    def specs(self) -> list[ToolSpec]:
        """Compact OpenAI tool specs of every dispatchable tool."""
        return [tool.spec() for tool in self._tools.values()]

    def needs_approval(self, name: str) -> bool:
        """Whether a call of `name` asks the user first (see `HubTool.asks_first`)."""
        tool = self._tools.get(name)
        return tool is not None and tool.asks_first

    def status(self) -> list[ServerStatus]:
        out = []
        for name, conn in self._conns.items():
            status = conn.status()
            if name in self._collisions and status.error is None:
                status.error = self._collisions[name]
            out.append(status)
        return out

    def _unknown(self, name: str) -> ToolOutcome:
        close = difflib.get_close_matches(name, list(self._tools), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        return failure(f"unknown tool {name!r}.{hint} Available tools: {', '.join(self._tools) or 'none'}")

    async def call(
        self, name: str, arguments: str | dict[str, Any] | None, progress: ProgressFn | None = None
    ) -> ToolOutcome:
        """Dispatch one model tool call; never raises for tool or server failures."""
        tool = self._tools.get(name)
        if tool is None:
            return self._unknown(name)
        try:
            args = parse_arguments(arguments)
            validate_arguments(args, tool.schema)
        except ArgumentError as exc:
            return failure(f"{name}: {exc}")
        started = time.perf_counter()
        outcome = await self._dispatch(tool, args, progress)
        outcome.duration_s = time.perf_counter() - started
        return outcome

    async def _dispatch(self, tool: HubTool, args: dict[str, Any], progress: ProgressFn | None) -> ToolOutcome:
        conn = self._conns[tool.server]
        try:
            result = await conn.call(tool.tool.name, args, progress)
        except TimeoutError:
            return failure(f"{tool.name} timed out after {conn.config.timeout:g} s")
        except ServerError as exc:
            return failure(str(exc))
        return render_result(result, self.result_limit)

    # -- beyond tools: resources and prompts ---------------------------------

    async def _client(self, server: str) -> Any:
        if server not in self._conns:
            raise ServerError(f"no connected server named {server!r}")
        return await self._conns[server].client()

    async def list_resources(self, server: str) -> list[types.Resource]:
        return list((await (await self._client(server)).list_resources()).resources)

    async def list_resource_templates(self, server: str) -> list[types.ResourceTemplate]:
        return list((await (await self._client(server)).list_resource_templates()).resource_templates)

    async def read_resource(self, server: str, uri: str) -> str:
        """A resource's contents as text (binary parts are described, not dumped)."""
        result = await (await self._client(server)).read_resource(uri)
        parts = [getattr(c, "text", None) or f"[{c.mime_type or 'binary'} {c.uri}]" for c in result.contents]
        return "\n".join(parts)

    async def list_prompts(self, server: str) -> list[types.Prompt]:
        return list((await (await self._client(server)).list_prompts()).prompts)

    async def get_prompt(
        self, server: str, name: str, arguments: dict[str, str] | None = None
    ) -> types.GetPromptResult:
        return await (await self._client(server)).get_prompt(name, arguments or {})

    def servers(self) -> list[str]:
        return list(self._conns)
