"""The openai backend against a real OpenAI-compatible HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator

import anyio
import pytest

from agent.backends import BackendError, BackendOptions, ChatRequest, Completion, TextDelta, create_backend
from agent.backends.base import Backend, NamedChoice, NamedFunction, Usage, complete
from agent.backends.openai import OpenAIBackend, OpenAIOptions, sse_data
from agent.messages import FunctionSpec, ToolSpec, UserMessage
from tests.conftest import free_port
from tests.fake_openai import FakeCall, FakeOpenAI, Reply, failure, text

pytestmark = pytest.mark.anyio

ASK = ChatRequest(messages=[UserMessage(content="hi")])
CLOCK = ToolSpec(function=FunctionSpec(name="time__now", description="The time."))
WEATHER = ToolSpec(function=FunctionSpec(name="weather__get", description="The weather."))


@pytest.fixture(autouse=True)
def no_openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


@pytest.fixture(scope="module")
def shared_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def server(shared_server: FakeOpenAI) -> FakeOpenAI:
    """One server for the module (start/stop cost ~0.2 s), reset for every test."""
    shared_server.reset()
    return shared_server


@pytest.fixture
async def backend(server: FakeOpenAI) -> AsyncIterator[OpenAIBackend]:
    model = OpenAIBackend("fake-model", server.base_url, backoff_base=0)
    yield model
    await model.aclose()


async def run(backend: OpenAIBackend, request: ChatRequest = ASK) -> tuple[list[str], Completion]:
    """Drive one request; return the text deltas and the Completion, checking it comes last and once."""
    with anyio.fail_after(10):
        events = [event async for event in backend.stream(request)]
    assert [type(e) for e in events[-1:]] == [Completion]
    assert all(isinstance(e, TextDelta) for e in events[:-1])
    return [e.text for e in events[:-1]], events[-1]


async def error_of(backend: OpenAIBackend, request: ChatRequest = ASK) -> str:
    with pytest.raises(BackendError) as caught, anyio.fail_after(10):
        await run(backend, request)
    message = str(caught.value)
    assert "\n" not in message
    return message


async def test_streamed_text_deltas_join_to_the_final_content(server: FakeOpenAI, backend: OpenAIBackend) -> None:
    server.script(text("Hel", "lo, ", "world"))
    deltas, done = await run(backend)
    assert deltas == ["Hel", "lo, ", "world"]
    assert done.message.content == "Hello, world"
    assert done.message.tool_calls is None
    assert (done.finish_reason, done.model) == ("stop", "fake-model")


async def test_streamed_tool_call_fragments_are_joined_into_one_call(
    server: FakeOpenAI, backend: OpenAIBackend
) -> None:
    server.script(Reply(calls=[FakeCall("call_a", "time__now", ['{"tz"', ': "Europe/', 'Paris"}'])]))
    deltas, done = await run(backend, ChatRequest(messages=ASK.messages, tools=[CLOCK]))
    assert deltas == []
    assert done.message.content is None
    [call] = done.message.calls
    assert (call.id, call.name, json.loads(call.function.arguments)) == ("call_a", "time__now", {"tz": "Europe/Paris"})
    assert done.finish_reason == "tool_calls"


async def test_parallel_tool_calls_with_interleaved_fragments_stay_apart(
    server: FakeOpenAI, backend: OpenAIBackend
) -> None:
    calls = [
        FakeCall("call_1", "time__now", ['{"tz":', ' "UTC"}']),
        FakeCall("call_2", "weather__get", ['{"city"', ': "Oslo', '"}']),
    ]
    server.script(Reply(pieces=["Checking."], calls=calls))
    _, done = await run(backend, ChatRequest(messages=ASK.messages, tools=[CLOCK, WEATHER]))
    assert done.message.content == "Checking."
    assert [(c.id, c.name, json.loads(c.function.arguments)) for c in done.message.calls] == [
        ("call_1", "time__now", {"tz": "UTC"}),
        ("call_2", "weather__get", {"city": "Oslo"}),
    ]


async def test_streamed_usage_is_parsed_from_the_final_chunk(server: FakeOpenAI, backend: OpenAIBackend) -> None:
    server.script(Reply(pieces=["ok"], usage=(42, 3)))
    _, done = await run(backend)
    assert done.usage == Usage(prompt_tokens=42, completion_tokens=3)
    assert server.requests[-1]["stream_options"] == {"include_usage": True}


async def test_usage_is_none_when_the_server_sends_none(server: FakeOpenAI, backend: OpenAIBackend) -> None:
    server.script(Reply(pieces=["ok"], usage=None))
    _, done = await run(backend)
    assert done.usage is None


async def test_non_streaming_mode_yields_the_content_once_then_the_completion(server: FakeOpenAI) -> None:
    calls = [FakeCall("call_9", "time__now", ['{"tz": ', '"UTC"}'])]
    server.script(Reply(pieces=["It is ", "noon."], calls=calls, usage=(8, 2)))
    backend = OpenAIBackend("fake-model", server.base_url, stream=False, backoff_base=0)
    try:
        deltas, done = await run(backend, ChatRequest(messages=ASK.messages, tools=[CLOCK]))
    finally:
        await backend.aclose()
    assert deltas == ["It is noon."]
    assert done.message.content == "It is noon."
    assert [(c.id, c.function.arguments) for c in done.message.calls] == [("call_9", '{"tz": "UTC"}')]
    assert done.usage == Usage(prompt_tokens=8, completion_tokens=2)
    assert server.requests[-1]["stream"] is False
    assert "stream_options" not in server.requests[-1]


async def test_request_body_carries_tools_tool_choice_and_seed_and_omits_unset_fields(
    server: FakeOpenAI, backend: OpenAIBackend
) -> None:
    request = ChatRequest(messages=ASK.messages, tools=[CLOCK], tool_choice="required", seed=7, temperature=0.0)
    await run(backend, request)
    body = server.requests[-1]
    assert body["model"] == "fake-model"
    assert body["messages"] == [{"role": "user", "content": "hi"}]
    assert body["tools"] == [CLOCK.to_wire()]
    assert (body["tool_choice"], body["seed"], body["temperature"]) == ("required", 7, 0.0)
    assert not {"top_p", "max_tokens", "stop"} & body.keys()
    assert body["stream"] is True


async def test_a_named_tool_choice_is_sent_as_openai_s_function_object(
    server: FakeOpenAI, backend: OpenAIBackend
) -> None:
    named = NamedChoice(function=NamedFunction(name="time__now"))
    await run(backend, ChatRequest(messages=ASK.messages, tools=[CLOCK, WEATHER], tool_choice=named))
    assert server.requests[-1]["tool_choice"] == {"type": "function", "function": {"name": "time__now"}}


async def test_request_without_tools_sends_no_tools_key(server: FakeOpenAI, backend: OpenAIBackend) -> None:
    await run(backend)
    assert not {"tools", "tool_choice", "seed", "temperature"} & server.requests[-1].keys()


async def test_api_key_is_sent_as_a_bearer_token(server: FakeOpenAI) -> None:
    backend = OpenAIBackend("fake-model", server.base_url, api_key="sk-test")
    try:
        await run(backend)
    finally:
        await backend.aclose()
    assert server.headers[-1]["authorization"] == "Bearer sk-test"


async def test_429_is_retried_honouring_retry_after_then_succeeds(server: FakeOpenAI, backend: OpenAIBackend) -> None:
    busy = failure(429, "slow down", **{"Retry-After": "0"})
    server.script(busy, busy, text("finally"))
    _, done = await run(backend)
    assert done.message.content == "finally"
    assert len(server.requests) == 3


async def test_5xx_is_retried_up_to_the_bound_then_gives_a_clear_error(
    server: FakeOpenAI, backend: OpenAIBackend
) -> None:
    server.script(failure(500, "engine crashed"))
    message = await error_of(backend)
    assert "HTTP 500" in message and "engine crashed" in message and "4 attempts" in message
    assert len(server.requests) == 4


async def test_a_5xx_then_success_is_invisible_to_the_caller(server: FakeOpenAI, backend: OpenAIBackend) -> None:
    server.script(failure(503, "warming up"), text("ready"))
    _, done = await run(backend)
    assert done.message.content == "ready"


async def test_401_error_names_the_base_url_and_the_api_key_options(server: FakeOpenAI, backend: OpenAIBackend) -> None:
    server.script(failure(401, "Incorrect API key provided"))
    message = await error_of(backend)
    assert server.base_url in message and "--api-key" in message and "OPENAI_API_KEY" in message
    assert len(server.requests) == 1


async def test_404_on_the_route_hints_at_the_base_url(server: FakeOpenAI) -> None:
    backend = OpenAIBackend("fake-model", server.base_url.removesuffix("/v1"), backoff_base=0)
    try:
        message = await error_of(backend)
    finally:
        await backend.aclose()
    assert "no /chat/completions at" in message and "ending in /v1" in message


async def test_404_for_an_unknown_model_names_the_model(server: FakeOpenAI, backend: OpenAIBackend) -> None:
    server.script(failure(404, "The model `fake-model` does not exist."))
    message = await error_of(backend)
    assert "model 'fake-model' not found" in message and "does not exist" in message


async def test_400_about_tools_says_the_model_does_not_support_tool_calls(
    server: FakeOpenAI, backend: OpenAIBackend
) -> None:
    server.script(failure(400, '"auto" tool choice requires --enable-auto-tool-choice to be set'))
    message = await error_of(backend, ChatRequest(messages=ASK.messages, tools=[CLOCK]))
    assert message.startswith("server or model does not support tool calls: ")
    assert "--enable-auto-tool-choice" in message


async def test_other_400s_report_status_and_server_message(server: FakeOpenAI, backend: OpenAIBackend) -> None:
    server.script(failure(400, "max_tokens is too large"))
    message = await error_of(backend)
    assert "HTTP 400" in message and "max_tokens is too large" in message
    assert len(server.requests) == 1


async def test_error_bodies_in_other_shapes_still_give_the_server_message(
    server: FakeOpenAI, backend: OpenAIBackend
) -> None:
    server.script(Reply(status=422, body={"detail": "bad things"}))
    assert "bad things" in await error_of(backend)


async def test_an_error_sent_inside_the_stream_becomes_a_backend_error(
    server: FakeOpenAI, backend: OpenAIBackend
) -> None:
    server.script(Reply(pieces=["partial "], error="out of KV cache"))
    with pytest.raises(BackendError, match="mid-stream: out of KV cache"), anyio.fail_after(10):
        async for _ in backend.stream(ASK):
            pass
    assert len(server.requests) == 1


async def test_an_unreachable_port_gives_cannot_reach() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    backend = OpenAIBackend("m", url, backoff_base=0, max_attempts=2)
    try:
        message = await error_of(backend)
    finally:
        await backend.aclose()
    assert message.startswith(f"cannot reach {url}: ")


async def test_the_model_is_discovered_when_the_server_lists_exactly_one(server: FakeOpenAI) -> None:
    server.models = ["only-model"]
    backend = OpenAIBackend(base_url=server.base_url)
    try:
        await run(backend)
    finally:
        await backend.aclose()
    assert backend.model == "only-model"
    assert server.requests[-1]["model"] == "only-model"


async def test_several_served_models_and_no_model_asks_for_model(server: FakeOpenAI) -> None:
    server.models = ["a", "b"]
    backend = OpenAIBackend(base_url=server.base_url)
    try:
        message = await error_of(backend)
    finally:
        await backend.aclose()
    assert "--model" in message and "2 models (a, b)" in message
    assert server.requests == []


async def test_an_unlistable_server_and_no_model_asks_for_model(server: FakeOpenAI) -> None:
    server.models_status = 404
    backend = OpenAIBackend(base_url=server.base_url)
    try:
        assert "--model" in await error_of(backend)
    finally:
        await backend.aclose()


async def test_create_backend_builds_it_from_options_and_the_environment(
    server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    backend = create_backend("openai", BackendOptions(model="fake-model", backend_options=OpenAIOptions(stream=False)))
    try:
        assert isinstance(backend, OpenAIBackend) and isinstance(backend, Backend)
        assert (backend.base_url, backend.api_key, backend.streaming) == (server.base_url, "sk-env", False)
        _, done = await run(backend)
    finally:
        await backend.aclose()
    assert done.message.content == "hello"


async def test_create_defaults_to_localhost_8000() -> None:
    backend = create_backend("openai", BackendOptions(model="m"))
    assert isinstance(backend, OpenAIBackend)
    assert backend.base_url == "http://127.0.0.1:8000/v1" and backend.api_key is None


async def test_sse_parsing_skips_comments_and_keep_alives_and_joins_multiline_data() -> None:
    async def lines() -> AsyncIterator[str]:
        for line in [": ping", "", "", "event: message", 'data: {"a":', "data: 1}", "", "data:[DONE]"]:
            yield line

    assert [d async for d in sse_data(lines())] == ['{"a":\n1}', "[DONE]"]


async def test_complete_returns_the_completion_and_leaves_the_backend_reusable(
    server: FakeOpenAI, backend: OpenAIBackend
) -> None:
    server.script(text("one"), text("two"))
    with anyio.fail_after(10):
        first = await complete(backend, ASK)
        second = await complete(backend, ASK)
    assert (first.message.text, second.message.text) == ("one", "two")


async def test_a_refused_model_listing_reports_the_auth_failure(server: FakeOpenAI) -> None:
    server.models_status = 401
    backend = OpenAIBackend(base_url=server.base_url)
    try:
        assert "OPENAI_API_KEY" in await error_of(backend)
    finally:
        await backend.aclose()


async def test_the_backend_describes_itself_by_the_model_it_asks_for_or_the_server_it_asks(server: FakeOpenAI) -> None:
    assert OpenAIBackend("gpt-4o-mini", server.base_url).describe() == "gpt-4o-mini"
    server.models = ["only-model"]
    backend = OpenAIBackend(base_url=server.base_url)
    try:
        assert server.base_url in backend.describe()  # not asked yet: which server will say
        await run(backend)
    finally:
        await backend.aclose()
    assert backend.describe() == "only-model"


async def test_the_banner_and_the_stored_session_name_the_model_given_with_model(server: FakeOpenAI, tmp_path) -> None:
    def looptune(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "agent.cli.main", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=tmp_path)

    flags = ("--backend", "openai", "--base-url", server.base_url, "--model", "my-tuned-model", "--servers", "calc")
    ran = await anyio.to_thread.run_sync(lambda: looptune("run", *flags, "Say hi."))
    assert ran.returncode == 0, ran.stderr
    assert "model: my-tuned-model (openai)" in ran.stderr
    listed = await anyio.to_thread.run_sync(lambda: looptune("sessions", "list"))
    assert "my-tuned-model" in listed.stdout, listed.stdout


def test_the_backend_commands_usage_lists_every_flag_it_takes() -> None:
    from agent.cli.repl.builtin.model import COMMAND_USAGE, _backend_parser

    flags = [o for action in _backend_parser()._actions for o in action.option_strings]
    assert "--api-key" in flags
    assert sorted(flags) == sorted(re.findall(r"--[\w-]+", COMMAND_USAGE))


async def test_calls_a_server_sends_without_ids_get_ids_unique_across_turns(
    server: FakeOpenAI, backend: OpenAIBackend
) -> None:
    nameless = Reply(calls=[FakeCall("", "time__now", ["{}"]), FakeCall("", "weather__get", ["{}"])])
    server.script(nameless, nameless)
    ids = [call.id for _ in range(2) for call in (await run(backend))[1].message.calls]
    assert len(set(ids)) == 4 and all(i.startswith("call_") for i in ids)


async def test_a_response_schema_is_sent_as_openais_response_format(server: FakeOpenAI, backend: OpenAIBackend) -> None:
    room = {"type": "object", "properties": {"room": {"enum": ["hall", "kitchen"]}}, "required": ["room"]}
    await run(backend, ChatRequest(messages=ASK.messages, response_schema={"type": "object"}))
    assert server.requests[-1]["response_format"] == {"type": "json_object"}
    await run(backend, ChatRequest(messages=ASK.messages, response_schema=room))
    sent = server.requests[-1]["response_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["schema"] == room and sent["json_schema"]["name"]
    await run(backend)
    assert "response_format" not in server.requests[-1]


async def test_template_markers_a_server_passes_through_never_reach_the_answer_streamed_or_whole(
    server: FakeOpenAI,
) -> None:
    # A server rendering the Hermes template (looptune serve, vLLM) sends whatever the model imitated.
    pieces = ["The sum is 4.", "</tool_", "response>", " Done.<|im", "_end|>\n<|im_start|>user\nmore"]
    server.script(text(*pieces))
    streaming = OpenAIBackend("fake-model", server.base_url, backoff_base=0)
    whole = OpenAIBackend("fake-model", server.base_url, stream=False, backoff_base=0)
    try:
        deltas, streamed = await run(streaming)
        _, answered = await run(whole)
    finally:
        await streaming.aclose()
        await whole.aclose()
    assert "".join(deltas) == streamed.message.content == "The sum is 4. Done."
    assert answered.message.content == "The sum is 4. Done."
