"""MCP servers that fail under the hub: crash, hang, spew garbage, cannot start, send too much or the wrong thing.

Each case is a real server process (the toy server, or a few lines of Python)
and checks that the failure becomes one readable tool error or notice while
every other server keeps working.
"""

from __future__ import annotations

import os
import signal
import sys

import anyio
import pytest

from agent.hub import Hub
from agent.registry import ServerConfig
from tests.conftest import TESTS, TOY, toy_config

pytestmark = pytest.mark.anyio


ONCE = """
import pathlib, runpy, sys
marker, toy = pathlib.Path(sys.argv[1]), sys.argv[2]
if marker.exists():
    sys.exit("refusing to start a second time")
marker.touch()
sys.argv = [toy]
runpy.run_path(toy, run_name="__main__")
"""


async def test_a_five_megabyte_result_is_truncated_with_a_marker():
    with anyio.fail_after(60):
        async with Hub({"toy": toy_config()}, result_limit=1000) as hub:
            outcome = await hub.call("toy__big", {"n": 5_000_000})
    assert len(outcome.text) < 1100
    assert "[truncated: showing 1,000 of 5,000,000 characters]" in outcome.text
    assert outcome.truncated_from == 5_000_000


async def test_a_server_that_never_answers_a_call_times_out():
    with anyio.fail_after(30):
        async with Hub({"toy": toy_config(timeout=0.5)}) as hub:
            outcome = await hub.call("toy__hang", "{}")
            after = await hub.call("toy__echo", {"text": "alive"})
    assert outcome.is_error and "timed out after 0.5 s" in outcome.text
    assert after.text == "alive"


async def test_a_missing_binary_is_reported_once_and_the_other_servers_keep_working():
    notices: list[tuple[str, str]] = []
    servers = {"ghost": ServerConfig(command="looptune-no-such-binary"), "toy": toy_config()}
    with anyio.fail_after(30):
        async with Hub(servers, on_notice=lambda s, m: notices.append((s, m))) as hub:
            outcome = await hub.call("toy__echo", {"text": "ok"})
            status = {s.name: s for s in hub.status()}
    assert outcome.text == "ok"
    assert status["ghost"].state == "failed"
    assert notices == [("ghost", "server 'ghost': command not found: looptune-no-such-binary")]


async def test_a_server_exiting_during_initialize_is_reported_with_its_stderr_tail():
    script = "import sys; print('fatal: config missing', file=sys.stderr); sys.exit(3)"
    notices: list[str] = []
    with anyio.fail_after(30):
        async with Hub(
            {"dies": ServerConfig(command=sys.executable, args=["-c", script])},
            on_notice=lambda s, m: notices.append(m),
        ) as hub:
            assert hub.tools() == []
    assert len(notices) == 1
    assert "fatal: config missing" in notices[0]


async def test_a_server_that_never_answers_initialize_fails_after_its_startup_timeout():
    mute = ServerConfig(command=sys.executable, args=["-c", "import time; time.sleep(60)"], startup_timeout=1)
    with anyio.fail_after(30):
        async with Hub({"mute": mute, "toy": toy_config()}, on_notice=lambda s, m: None) as hub:
            status = {s.name: s for s in hub.status()}
            assert (await hub.call("toy__echo", {"text": "fine"})).text == "fine"
    assert status["mute"].error == "did not answer initialize within 1 s"


async def test_garbage_on_stdout_does_not_break_the_connection():
    with anyio.fail_after(30):
        async with Hub({"toy": toy_config("--garbage")}) as hub:
            noisy = await hub.call("toy__noisy", "{}")
            echo = await hub.call("toy__echo", {"text": "clean"})
    assert noisy.text == "still here"
    assert echo.text == "clean"


async def test_a_server_killed_during_a_call_fails_that_call_and_restarts_on_the_next():
    with anyio.fail_after(30):
        async with Hub({"toy": toy_config()}) as hub:
            first_pid = int((await hub.call("toy__pid", "{}")).text)
            async with anyio.create_task_group() as tg:
                results = {}

                async def slow_call():
                    results["slow"] = await hub.call("toy__slow", {"seconds": 30})

                tg.start_soon(slow_call)
                await anyio.wait_all_tasks_blocked()
                os.kill(first_pid, signal.SIGKILL)
            second_pid = int((await hub.call("toy__pid", "{}")).text)
            status = hub.status()[0]
    assert results["slow"].is_error and "closed the connection" in results["slow"].text
    assert second_pid != first_pid
    assert status.restarts == 1 and status.state == "up"


async def test_a_server_that_died_while_idle_is_restarted_before_the_next_call():
    from agent.hub.connection import _transport_closed

    with anyio.fail_after(30):
        async with Hub({"toy": toy_config()}) as hub:
            first_pid = int((await hub.call("toy__pid", "{}")).text)
            os.kill(first_pid, signal.SIGKILL)
            client = hub._conns["toy"]._client
            while not _transport_closed(client):
                await anyio.sleep(0)  # a checkpoint, not a delay: the transport reads the EOF
            echo = await hub.call("toy__echo", {"text": "back"})
            second_pid = int((await hub.call("toy__pid", "{}")).text)
            status = hub.status()[0]
    assert echo.text == "back" and not echo.is_error  # the dead server was noticed before the call
    assert second_pid != first_pid and status.restarts == 1


async def test_a_result_the_client_rejects_is_a_tool_error_and_the_server_keeps_serving():
    liar = ServerConfig(command=sys.executable, args=[str(TESTS / "servers" / "liar.py")])
    with anyio.fail_after(30):
        async with Hub({"liar": liar}) as hub:
            outcomes = [await hub.call("liar__count", "{}") for _ in range(2)]
    assert all(o.is_error and "sent a result the client rejected" in o.text for o in outcomes)
    assert "'many' is not of type 'integer'" in outcomes[0].text


async def test_restarts_are_bounded_and_the_server_is_then_reported_down(tmp_path):
    once = ServerConfig(command=sys.executable, args=["-c", ONCE, str(tmp_path / "started"), str(TOY)])
    with anyio.fail_after(30):
        async with Hub({"once": once}) as hub:
            await hub.call("once__crash", "{}")
            attempts = [await hub.call("once__echo", {"text": "x"}) for _ in range(4)]
    assert all(a.is_error for a in attempts)
    assert "refusing to start a second time" in attempts[0].text
    assert "is down after 3 failed starts" in attempts[-1].text


async def test_a_factory_that_fails_or_rejects_its_arguments_is_reported_not_raised():
    notices: list[str] = []
    servers = {
        "broken": ServerConfig(factory="tests.servers.toy:build", args=["--fail"]),
        "badargs": ServerConfig(factory="tests.servers.toy:build", args=["--nope"]),
        "missing": ServerConfig(factory="tests.servers.no_such_module:build"),
    }
    with anyio.fail_after(30):
        async with Hub(servers, on_notice=lambda s, m: notices.append(m)) as hub:
            assert [s.state for s in hub.status()] == ["failed"] * 3
    assert any("toy refuses to build" in n for n in notices)
    assert any("rejected its arguments ['--nope']" in n for n in notices)
    assert any("No module named 'tests.servers.no_such_module'" in n for n in notices)
