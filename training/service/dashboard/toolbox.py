"""The registry's MCP servers, kept running for the playground: list their tools, run one call.

A Hub lives inside anyio task groups that must be left by the task that
entered them, and a request handler's task ends with its request; so the hub
gets a thread and an event loop of its own, opened on the first use and
closed with the service. Each call crosses over with
`asyncio.run_coroutine_threadsafe` and is bounded. It knows nothing of the
model or of the page that asked.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import Any

from agent.errors import LooptuneError
from agent.hub import Hub, ToolOutcome
from agent.registry.model import ServerConfig

START_S, CALL_S = 60.0, 120.0


class ToolboxError(LooptuneError, RuntimeError):
    """The servers could not be started (the reason, one line)."""


class Toolbox:
    def __init__(self, servers: Callable[[], Mapping[str, ServerConfig]]) -> None:
        self._servers = servers  # read when first used: the registry as it is then
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._hub: Hub | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None

    def tools(self) -> list[dict[str, Any]]:
        """Each tool as the page shows it: server, OpenAI spec, and whether a call waits for the user's yes."""
        hub = self._open()
        by_name = {tool.name: tool for tool in hub.tools()}
        out = []
        for spec in hub.specs():
            tool = by_name[spec.function.name]
            out.append({"server": tool.server, "asks_first": tool.asks_first, "spec": spec.model_dump(mode="json")})
        return out

    def status(self) -> list[dict[str, Any]]:
        return [{"name": s.name, "error": s.error} for s in self._open().status()]

    def call(self, name: str, arguments: dict[str, Any]) -> ToolOutcome:
        hub = self._open()
        assert self._loop is not None
        try:
            return asyncio.run_coroutine_threadsafe(hub.call(name, arguments), self._loop).result(timeout=CALL_S)
        except TimeoutError as exc:
            raise ToolboxError(f"{name} did not answer within {CALL_S:.0f} s") from exc

    def close(self) -> None:
        with self._lock:
            if self._loop is not None and self._stop is not None:
                self._loop.call_soon_threadsafe(self._stop.set)
            if self._thread is not None:
                self._thread.join(timeout=START_S)
            self._loop = self._hub = self._stop = self._thread = None

    def _open(self) -> Hub:
        with self._lock:
            if self._hub is None:
                ready: Future[Hub] = Future()
                self._thread = threading.Thread(target=self._run, args=(ready,), name="playground-hub", daemon=True)
                self._thread.start()
                try:
                    self._hub = ready.result(timeout=START_S)
                except TimeoutError as exc:
                    raise ToolboxError(f"the MCP servers did not start within {START_S:.0f} s") from exc
            return self._hub

    def _run(self, ready: Future[Hub]) -> None:
        try:
            asyncio.run(self._serve(ready))
        except Exception as exc:  # noqa: BLE001 - a registry or server failure is the caller's answer, not a crash
            if not ready.done():
                ready.set_exception(ToolboxError(f"the MCP servers could not start: {exc}"))

    async def _serve(self, ready: Future[Hub]) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        async with Hub(self._servers(), on_notice=lambda server, message: None) as hub:
            ready.set_result(hub)
            await self._stop.wait()
