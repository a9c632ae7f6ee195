"""The mcp SDK internals looptune still reads, pinned so an SDK upgrade that moves them fails here by name.

The hub uses public SDK API everywhere except one place: the SDK has no public
liveness flag on a `Client`, so `agent.hub.connection._transport_closed` reads
the session's private dispatcher state to restart a server that died while idle.
"""

from __future__ import annotations

import os
import signal
import sys

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from agent.hub.connection import DISPATCHER_CLOSED_ATTR, SESSION_DISPATCHER_ATTR, _transport_closed
from tests.conftest import TOY
from tests.servers.toy import build

pytestmark = pytest.mark.anyio

MOVED = (
    "mcp SDK internals moved: agent/hub/connection.py::_transport_closed reads "
    f"ClientSession.{SESSION_DISPATCHER_ATTR}.{DISPATCHER_CLOSED_ATTR} to notice a server that died while idle; "
    "find the SDK's new liveness state and update the function and this test"
)


async def test_a_connected_session_keeps_its_dispatcher_and_closed_flag_where_the_hub_reads_them():
    with anyio.fail_after(10):
        async with Client(build([]), mode="legacy") as client:
            dispatcher = getattr(client.session, SESSION_DISPATCHER_ATTR, None)
            assert dispatcher is not None, MOVED
            assert getattr(dispatcher, DISPATCHER_CLOSED_ATTR, None) is False, MOVED
            assert not _transport_closed(client)


async def test_the_closed_flag_turns_true_when_the_server_process_dies():
    params = StdioServerParameters(command=sys.executable, args=[str(TOY)])
    async with Client(params, mode="legacy") as client:
        pid = int((await client.call_tool("pid", {})).content[0].text)
        os.kill(pid, signal.SIGKILL)
        with anyio.move_on_after(10) as waited:
            while not _transport_closed(client):
                await anyio.sleep(0)  # a checkpoint, not a delay: the transport reads the EOF
        assert not waited.cancelled_caught, MOVED
