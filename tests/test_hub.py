"""The hub against real MCP servers over real stdio and HTTP."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import anyio
import pytest

from agent.hub import ElicitAnswer, Hub
from agent.messages import Message
from agent.registry import ServerConfig, ToolFilter
from tests.conftest import toy_config

pytestmark = pytest.mark.anyio


async def test_tools_of_a_stdio_server_are_exposed_as_server__tool_specs():
    with anyio.fail_after(30):
        async with Hub({"toy": toy_config()}) as hub:
            names = [spec.name for spec in hub.specs()]
            assert "toy__echo" in names and "toy__add" in names
            echo = next(s for s in hub.specs() if s.name == "toy__echo")
            assert echo.function.parameters == {
                "type": "object",
                "properties": {"text": {"type": "string"}},
                "required": ["text"],
            }


async def test_a_call_returns_the_servers_text_result_and_its_duration():
    with anyio.fail_after(30):
        async with Hub({"toy": toy_config()}) as hub:
            outcome = await hub.call("toy__add", '{"a": 2, "b": 3.5}')
    assert not outcome.is_error
    assert outcome.text == "5.5"
    assert outcome.duration_s > 0


async def test_a_server_over_streamable_http_is_listed_and_called(toy_http):
    with anyio.fail_after(30):
        async with Hub({"web": ServerConfig(url=toy_http)}) as hub:
            outcome = await hub.call("web__echo", {"text": "over http"})
            assert [s.transport for s in hub.status()] == ["http"]
    assert outcome.text == "over http"


async def test_arguments_that_are_not_json_come_back_as_a_tool_error():
    with anyio.fail_after(30):
        async with Hub({"toy": toy_config()}) as hub:
            outcome = await hub.call("toy__echo", '{"text": "unterminated')
    assert outcome.is_error
    assert "not valid JSON" in outcome.text


async def test_arguments_violating_the_schema_name_the_field():
    with anyio.fail_after(30):
        async with Hub({"toy": toy_config()}) as hub:
            wrong_type = await hub.call("toy__add", '{"a": "two", "b": 1}')
            missing = await hub.call("toy__add", '{"a": 1}')
    assert wrong_type.is_error and "'a'" in wrong_type.text and "number" in wrong_type.text
    assert missing.is_error and "missing required argument 'b'" in missing.text


async def test_an_unknown_tool_is_a_tool_error_that_suggests_the_closest_name():
    with anyio.fail_after(30):
        async with Hub({"toy": toy_config()}) as hub:
            outcome = await hub.call("toy__ecko", "{}")
    assert outcome.is_error
    assert "unknown tool 'toy__ecko'" in outcome.text
    assert "Did you mean 'toy__echo'?" in outcome.text


async def test_a_tool_that_raises_is_reported_as_an_error_result():
    with anyio.fail_after(30):
        async with Hub({"toy": toy_config()}) as hub:
            outcome = await hub.call("toy__fail", "{}")
            after = await hub.call("toy__echo", {"text": "still serving"})
    assert outcome.is_error
    assert after.text == "still serving"


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
    liar = ServerConfig(command=sys.executable, args=[str(Path(__file__).parent / "servers" / "liar.py")])
    with anyio.fail_after(30):
        async with Hub({"liar": liar}) as hub:
            outcomes = [await hub.call("liar__count", "{}") for _ in range(2)]
    assert all(o.is_error and "sent a result the client rejected" in o.text for o in outcomes)
    assert "'many' is not of type 'integer'" in outcomes[0].text


async def test_two_servers_exposing_the_same_sanitized_name_are_reported_naming_both():
    notices: list[str] = []
    servers = {"a.b": toy_config(), "a_b": toy_config()}
    with anyio.fail_after(30):
        async with Hub(servers, on_notice=lambda s, m: notices.append(m)) as hub:
            echo = await hub.call("a_b__echo", {"text": "first wins"})
    assert echo.text == "first wins"
    assert any("'a.b'" in n and "'a_b'" in n for n in notices)


async def test_include_and_exclude_filters_limit_the_exposed_tools():
    only = toy_config(tools=ToolFilter(include=["echo", "add"], exclude=["add"]))
    with anyio.fail_after(30):
        async with Hub({"toy": only}) as hub:
            assert [t.name for t in hub.tools()] == ["toy__echo"]


async def test_env_variables_are_expanded_at_connect_time(monkeypatch):
    monkeypatch.setenv("LOOPTUNE_TEST_SECRET", "s3cret")
    config = toy_config(env={"SECRET": "${LOOPTUNE_TEST_SECRET}", "OTHER": "${LOOPTUNE_UNSET:-fallback}"})
    with anyio.fail_after(30):
        async with Hub({"toy": config}) as hub:
            secret = await hub.call("toy__getenv", {"name": "SECRET"})
            other = await hub.call("toy__getenv", {"name": "OTHER"})
    assert (secret.text, other.text) == ("s3cret", "fallback")
    assert config.env["SECRET"] == "${LOOPTUNE_TEST_SECRET}"


async def test_an_unset_variable_fails_that_server_with_one_line_naming_it_once():
    notices: list[str] = []
    config = toy_config(env={"SECRET": "${LOOPTUNE_SURELY_UNSET}"})
    with anyio.fail_after(30):
        async with Hub({"web": config}, on_notice=lambda s, m: notices.append(m)) as hub:
            assert hub.status()[0].state == "failed"
    assert notices == [
        "server 'web' field env.SECRET: environment variable LOOPTUNE_SURELY_UNSET is not set"
        " (write ${LOOPTUNE_SURELY_UNSET:-default} for a default)"
    ]


async def test_a_tools_list_changed_notification_refreshes_the_catalog():
    notices: list[str] = []
    with anyio.fail_after(30):
        async with Hub({"toy": toy_config()}, on_notice=lambda s, m: notices.append(m)) as hub:
            assert hub.tool("toy__extra") is None
            await hub.call("toy__grow", "{}")
            while hub.tool("toy__extra") is None:
                await anyio.sleep(0)  # the refresh runs in the connection's task; yield to it
            extra = await hub.call("toy__extra", "{}")
    assert extra.text == "extra tool"
    assert "tool list changed" in notices


class EchoSampler:
    async def sample(self, messages: list[Message], *, max_tokens: int) -> tuple[str, str]:
        return f"echo of {messages[-1].content}", "echo-model"


async def test_sampling_requests_are_answered_by_the_given_sampler():
    with anyio.fail_after(30):
        async with Hub({"toy": toy_config()}, sampler=EchoSampler()) as hub:
            outcome = await hub.call("toy__sample", {"prompt": "hello"})
    assert outcome.text == "model said: echo of hello"


async def test_elicitation_goes_to_the_callback_and_is_declined_without_one():
    async def answer(server, message, schema):
        assert server == "toy" and message == "Favourite colour?"
        assert schema["required"] == ["answer"]
        return ElicitAnswer("accept", {"answer": "teal"})

    with anyio.fail_after(30):
        async with Hub({"toy": toy_config()}, elicitor=answer) as hub:
            accepted = await hub.call("toy__ask", {"question": "Favourite colour?"})
        async with Hub({"toy": toy_config()}) as hub:
            declined = await hub.call("toy__ask", {"question": "Favourite colour?"})
    assert accepted.text == "accept: teal"
    assert declined.text == "decline: None"


async def test_roots_from_the_registry_are_offered_to_the_server(tmp_path):
    with anyio.fail_after(30):
        async with Hub({"toy": toy_config(roots=[str(tmp_path)])}) as hub:
            outcome = await hub.call("toy__roots", "{}")
    assert outcome.text == tmp_path.resolve().as_uri()


async def test_progress_notifications_reach_the_progress_callback():
    seen: list[tuple[float, float | None, str | None]] = []

    async def progress(value, total, message):
        seen.append((value, total, message))

    with anyio.fail_after(30):
        async with Hub({"toy": toy_config()}) as hub:
            outcome = await hub.call("toy__progress", {"steps": 3}, progress)
    assert outcome.text == "done after 3 steps"
    assert seen == [(1, 3, "step 1 of 3"), (2, 3, "step 2 of 3"), (3, 3, "step 3 of 3")]


async def test_resources_templates_and_prompts_are_listed_and_read():
    with anyio.fail_after(30):
        async with Hub({"toy": toy_config()}) as hub:
            resources = [str(r.uri) for r in await hub.list_resources("toy")]
            templates = [t.uri_template for t in await hub.list_resource_templates("toy")]
            about = await hub.read_resource("toy", "info://about")
            note = await hub.read_resource("toy", "note://groceries")
            prompts = [p.name for p in await hub.list_prompts("toy")]
            greeting = await hub.get_prompt("toy", "greet", {"name": "Ada"})
    assert resources == ["info://about"]
    assert templates == ["note://{name}"]
    assert (about, note) == ("toy server for tests", "note groceries")
    assert prompts == ["greet"]
    assert "Ada" in json.dumps(greeting.model_dump(mode="json"))


async def test_destructive_annotations_mark_tools_for_approval():
    with anyio.fail_after(30):
        async with Hub({"toy": toy_config(), "careful": toy_config(confirm=True)}) as hub:
            assert hub.needs_approval("toy__delete_thing")
            assert not hub.needs_approval("toy__echo")
            assert hub.needs_approval("careful__echo")


ONCE = """
import pathlib, runpy, sys
marker, toy = pathlib.Path(sys.argv[1]), sys.argv[2]
if marker.exists():
    sys.exit("refusing to start a second time")
marker.touch()
sys.argv = [toy]
runpy.run_path(toy, run_name="__main__")
"""


async def test_restarts_are_bounded_and_the_server_is_then_reported_down(tmp_path):
    from tests.conftest import TOY

    once = ServerConfig(command=sys.executable, args=["-c", ONCE, str(tmp_path / "started"), str(TOY)])
    with anyio.fail_after(30):
        async with Hub({"once": once}) as hub:
            await hub.call("once__crash", "{}")
            attempts = [await hub.call("once__echo", {"text": "x"}) for _ in range(4)]
    assert all(a.is_error for a in attempts)
    assert "refusing to start a second time" in attempts[0].text
    assert "is down after 3 failed starts" in attempts[-1].text


async def test_servers_added_and_removed_while_running_change_the_tools_at_once():
    with anyio.fail_after(30):
        async with Hub({}) as hub:
            await hub.add_server("late", toy_config())
            added = await hub.call("late__echo", {"text": "joined"})
            await hub.remove_server("late")
            removed = await hub.call("late__echo", {"text": "gone"})
            assert hub.servers() == []
    assert added.text == "joined"
    assert removed.is_error and "unknown tool" in removed.text


async def test_an_in_process_server_built_by_a_factory_is_called_like_any_other():
    with anyio.fail_after(30):
        async with Hub({"inproc": ServerConfig(factory="tests.servers.toy:build")}) as hub:
            outcome = await hub.call("inproc__add", {"a": 1, "b": 1})
            assert hub.status()[0].transport == "inproc"
    assert outcome.text == "2.0"


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


async def test_cancelling_the_hub_while_its_servers_start_exits_cleanly():
    # Ctrl+C or a timeout can land while a server process is still starting (~0.5 s here).
    with anyio.fail_after(20), anyio.move_on_after(0.05) as scope:
        async with Hub({"toy": toy_config()}):
            pass
    assert scope.cancelled_caught
