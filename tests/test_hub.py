"""The hub against real MCP servers over real stdio and HTTP."""

from __future__ import annotations

import json

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


async def test_a_tool_that_raises_is_reported_as_an_error_result():
    with anyio.fail_after(30):
        async with Hub({"toy": toy_config()}) as hub:
            outcome = await hub.call("toy__fail", "{}")
            after = await hub.call("toy__echo", {"text": "still serving"})
    assert outcome.is_error
    assert after.text == "still serving"


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


async def test_tools_not_annotated_read_only_ask_first_and_a_confirm_server_asks_for_all():
    with anyio.fail_after(30):
        async with Hub({"toy": toy_config(), "careful": toy_config(confirm=True)}) as hub:
            assert hub.needs_approval("toy__delete_thing")
            assert hub.needs_approval("toy__grow")  # no annotations: it may change things
            assert not hub.needs_approval("toy__echo")  # readOnlyHint: true
            assert hub.needs_approval("careful__echo")


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


async def test_cancelling_the_hub_while_its_servers_start_exits_cleanly():
    # Ctrl+C or a timeout can land while a server process is still starting (~0.5 s here).
    with anyio.fail_after(20), anyio.move_on_after(0.05) as scope:
        async with Hub({"toy": toy_config()}):
            pass
    assert scope.cancelled_caught
