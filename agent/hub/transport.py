"""Transports for one registry entry: stdio subprocess, streamable HTTP, or legacy SSE."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import IO, Any

from mcp.client.sse import sse_client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from agent.registry.model import ServerConfig


@asynccontextmanager
async def _streamable_http(url: str, headers: dict[str, str]) -> AsyncIterator[Any]:
    async with (
        create_mcp_http_client(headers=headers) as http,
        streamable_http_client(url, http_client=http) as streams,
    ):
        yield streams


def open_transport(config: ServerConfig, errlog: IO[str]) -> Any:
    """An un-entered transport context manager for an expanded server config."""
    if config.command is not None:
        params = StdioServerParameters(command=config.command, args=config.args, env=config.env or None, cwd=config.cwd)
        return stdio_client(params, errlog=errlog)
    assert config.url is not None
    if config.transport == "sse":
        return sse_client(config.url, headers=config.headers or None)
    return _streamable_http(config.url, config.headers)
