"""One MCP server connection: start, list tools, call, and restart after a death.

The connection runs its `mcp.Client` inside a task of its own, so the
transport's cancel scopes stay in one task while any task may call tools.
It knows nothing of model-facing names, the loop or other servers.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn, Protocol, TextIO

import anyio
import mcp_types as types
from anyio.abc import TaskGroup
from mcp import Client
from mcp.shared.exceptions import MCPError

from agent.hub.errors import ServerError, describe, stderr_tail
from agent.hub.peer import ServerPeer
from agent.hub.transport import open_transport
from agent.registry.expand import expand_server
from agent.registry.model import RegistryError, ServerConfig

log = logging.getLogger("looptune.hub")

MAX_RESTARTS = 3
BACKOFF_S = 0.25
MAX_TOOL_PAGES = 100


class ProgressFn(Protocol):
    """A call's progress notifications, in the shape of the SDK's `ProgressFnT` (named parameters)."""

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None: ...


@dataclass
class ServerStatus:
    name: str
    state: str
    transport: str
    tools: int = 0
    restarts: int = 0
    error: str | None = None


# The only SDK internals the hub reads. mcp 2.3 has no public liveness flag on a
# Client: its ClientSession keeps the JSONRPCDispatcher in `_dispatcher`, which
# sets `_closed` once the read stream ends (the server died). Without it a server
# that died while idle would fail the next call instead of being restarted first,
# and retrying a call that may have run is not safe. tests/test_sdk_contract.py
# fails, naming these attributes, if an SDK upgrade moves them.
SESSION_DISPATCHER_ATTR = "_dispatcher"
DISPATCHER_CLOSED_ATTR = "_closed"


def _transport_closed(client: Client) -> bool:
    """Whether the client's transport has ended, read from the SDK's private dispatcher state."""
    dispatcher = getattr(client.session, SESSION_DISPATCHER_ATTR, None)
    return bool(getattr(dispatcher, DISPATCHER_CLOSED_ATTR, False))


class ServerConnection:
    """A supervised connection to one server of the registry."""

    def __init__(
        self,
        name: str,
        config: ServerConfig,
        peer: ServerPeer,
        task_group: TaskGroup,
        on_tools_changed: Callable[[str], None],
    ) -> None:
        self.name, self.config, self.peer = name, config, peer
        self.tools: list[types.Tool] = []
        self.state, self.restarts = "stopped", 0
        self.error: str | None = None
        self._tg, self._on_tools_changed = task_group, on_tools_changed
        self._failures = 0
        self._client: Client | None = None
        self._scope: anyio.CancelScope | None = None
        self._stopped = anyio.Event()
        self._stopped.set()
        self._stderr: TextIO | None = None
        self._lock = anyio.Lock()

    def status(self) -> ServerStatus:
        return ServerStatus(self.name, self.state, self.config.transport, len(self.tools), self.restarts, self.error)

    async def start(self) -> None:
        """Connect and list tools; raises ServerError (with the stderr tail) on failure."""
        try:
            config = expand_server(self.name, self.config)
        except RegistryError as exc:
            self._record_failure(str(exc), named=True)  # the registry's message already names the server
        ready = anyio.Event()
        self.state, self._stopped = "starting", anyio.Event()
        self._tg.start_soon(self._run, config, ready)
        with anyio.move_on_after(self.config.startup_timeout) as waited:
            await ready.wait()
        if waited.cancelled_caught:
            reason = f"did not answer initialize within {self.config.startup_timeout:g} s"
            await self._stop_run()
            self._record_failure(reason)
        if self.state != "up":
            self._record_failure(self.error or "stopped during start")
        self._failures, self.error = 0, None

    async def _run(self, config: ServerConfig, ready: anyio.Event) -> None:
        with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as stderr, anyio.CancelScope() as scope:
            self._scope, self._stderr = scope, stderr
            try:
                await self._serve(config, stderr, ready)
            except Exception as exc:  # the connection's failure is recorded, never raised into the hub
                self.error = self._with_stderr(describe(exc, config.command))
                self.state = "failed" if self.state == "starting" else "down"
            finally:
                self._client = None
                self._stderr = None
                ready.set()
                self._stopped.set()

    async def _serve(self, config: ServerConfig, stderr: TextIO, ready: anyio.Event) -> None:
        async with anyio.create_task_group() as inner:
            client = Client(
                open_transport(config, stderr),
                mode="legacy",  # the initialize handshake keeps sampling, elicitation and roots working
                sampling_callback=self.peer.on_sampling,
                elicitation_callback=self.peer.on_elicitation,
                list_roots_callback=self.peer.on_list_roots if config.roots else None,
                logging_callback=self.peer.on_log,
                message_handler=lambda message: self._on_message(message, inner),
            )
            async with client:
                self.tools = await self._list_tools(client)
                self._client, self.state = client, "up"
                ready.set()
                await anyio.sleep_forever()

    async def _on_message(self, message: Any, inner: TaskGroup) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            inner.start_soon(self._refresh_tools)
        elif isinstance(message, Exception):
            log.warning("server %r sent something that is not MCP: %s", self.name, message)

    async def _list_tools(self, client: Client) -> list[types.Tool]:
        tools: list[types.Tool] = []
        cursor: str | None = None
        for _ in range(MAX_TOOL_PAGES):
            page = await client.list_tools(cursor=cursor, cache_mode="refresh")
            tools.extend(page.tools)
            cursor = page.next_cursor
            if not cursor:
                break
        return [tool for tool in tools if self.config.tools.allows(tool.name)]

    async def _refresh_tools(self) -> None:
        if self._client is None:
            return
        try:
            self.tools = await self._list_tools(self._client)
        except Exception as exc:
            log.warning("server %r: could not re-list tools after list_changed: %s", self.name, describe(exc))
            return
        self._on_tools_changed(self.name)

    def _with_stderr(self, reason: str) -> str:
        tail = stderr_tail(self._stderr)
        return f"{reason}; stderr: {tail}" if tail else reason

    def _record_failure(self, reason: str, *, named: bool = False) -> NoReturn:
        self._failures += 1
        self.state, self.error = "failed", reason
        raise ServerError(reason if named else f"server {self.name!r}: {reason}")

    async def _stop_run(self) -> None:
        if self._scope is not None:
            self._scope.cancel()
        await self._stopped.wait()

    async def stop(self) -> None:
        """Close the connection (and stop a stdio server process)."""
        await self._stop_run()
        self.state = "stopped"

    async def client(self) -> Client:
        """The live client, restarting a dead server first (bounded retries with backoff)."""
        async with self._lock:
            if self._client is not None and not _transport_closed(self._client):
                return self._client
            if self._failures >= MAX_RESTARTS:
                raise ServerError(f"server {self.name!r} is down after {self._failures} failed starts: {self.error}")
            if self._failures:
                await anyio.sleep(BACKOFF_S * 2 ** (self._failures - 1))
            await self._stop_run()
            await self.start()
            self.restarts += 1
            assert self._client is not None
            return self._client

    async def call(
        self, tool: str, arguments: dict[str, Any], progress: ProgressFn | None = None
    ) -> types.CallToolResult:
        """Call a tool within the server's timeout; transport failures raise ServerError."""
        client = await self.client()
        with anyio.fail_after(self.config.timeout):
            try:
                return await client.call_tool(tool, arguments, progress_callback=progress)
            except MCPError as exc:
                if exc.error.code == types.CONNECTION_CLOSED:
                    self.state, self.error = "down", self._with_stderr("connection closed during a call")
                    raise ServerError(
                        f"server {self.name!r} closed the connection during the call; it restarts on the next call"
                    ) from exc
                raise ServerError(
                    f"server {self.name!r} answered with error {exc.error.code}: {exc.error.message}"
                ) from exc
            except Exception as exc:  # noqa: BLE001 - e.g. a result that breaks the tool's own output schema
                raise ServerError(f"server {self.name!r} sent a result the client rejected: {describe(exc)}") from exc
