"""Transports for one registry entry: stdio subprocess, streamable HTTP, legacy SSE, or in-process.

In-process servers (`factory`) are Python `MCPServer`s built in this process
and spoken to through the SDK's in-memory transport: the same protocol
messages without a process per server, which is what makes a fresh set of
bundled servers per episode cheap.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, TextIO

import httpx2
from mcp.client.sse import sse_client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from agent.registry.model import ServerConfig

# The SDK's recommended timeouts for its HTTP transports (its factory for them is
# private): a server may hold a response stream open for minutes, so reads wait
# longer than connects and writes.
HTTP_TIMEOUT = httpx2.Timeout(30.0, read=300.0)


def http_client(headers: dict[str, str]) -> httpx2.AsyncClient:
    """The HTTP client for one server's streamable-HTTP transport, carrying its registry headers.

    `streamable_http_client` documents passing an `httpx2.AsyncClient` as the
    public way to set headers; redirects are handled by the transport itself.
    """
    return httpx2.AsyncClient(headers=headers, timeout=HTTP_TIMEOUT)


@asynccontextmanager
async def _streamable_http(url: str, headers: dict[str, str]) -> AsyncIterator[Any]:
    async with (
        http_client(headers) as http,
        streamable_http_client(url, http_client=http) as streams,
    ):
        yield streams


def build_inproc(factory: str, args: list[str]) -> Any:
    """Import `module:function` and call it with the entry's args to get an MCPServer."""
    module_name, _, attr = factory.partition(":")
    if not attr:
        raise ValueError(f"factory {factory!r} is not of the form module:function")
    build = getattr(importlib.import_module(module_name), attr)
    try:
        with _host_logging_kept():
            return build(list(args))
    except SystemExit as exc:  # argparse inside a factory must not exit the agent's process
        raise ValueError(f"{factory} rejected its arguments {args} (exit {exc.code})") from None


@contextmanager
def _host_logging_kept() -> Iterator[None]:
    """MCPServer() configures root logging (a handler at INFO); in-process, the host's setup must win."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        yield
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers
        server_log = logging.getLogger("mcp.server")
        if server_log.level == logging.NOTSET:
            # Per-call lines like "Tool 'read' failed" repeat what the caller already gets as a tool error.
            server_log.setLevel(logging.WARNING)


def open_transport(config: ServerConfig, errlog: TextIO) -> Any:
    """What `mcp.Client` connects to: an un-entered transport, or an in-process server."""
    if config.factory is not None:
        return build_inproc(config.factory, config.args)
    if config.command is not None:
        params = StdioServerParameters(command=config.command, args=config.args, env=config.env or None, cwd=config.cwd)
        return stdio_client(params, errlog=errlog)
    assert config.url is not None
    if config.transport == "sse":
        return sse_client(config.url, headers=config.headers or None)
    return _streamable_http(config.url, config.headers)
