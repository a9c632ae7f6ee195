"""The scripted backend is a real backend: streams, ids, clear errors."""

from __future__ import annotations

import json

import anyio
import pytest

from agent.backends import BackendError, BackendOptions, ChatRequest, Completion, TextDelta, create_backend
from agent.backends.scripted import ScriptedBackend, load_script

pytestmark = pytest.mark.anyio


async def collect(backend, request=None):
    with anyio.fail_after(5):
        return [e async for e in backend.stream(request or ChatRequest(messages=[]))]


async def test_text_is_streamed_in_pieces_that_join_to_the_content():
    events = await collect(ScriptedBackend(["Hello there, friend."]))
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(deltas) == 3 and "".join(deltas) == "Hello there, friend."
    assert isinstance(events[-1], Completion) and events[-1].finish_reason == "stop"


async def test_tool_calls_get_ids_and_json_string_arguments():
    backend = ScriptedBackend([{"tool_calls": [{"name": "a__b", "arguments": {"x": "ü"}}, {"name": "c__d"}]}])
    done = (await collect(backend))[-1]
    assert [c.id for c in done.message.calls] == ["call_1_0", "call_1_1"]
    assert json.loads(done.message.calls[0].function.arguments) == {"x": "ü"}
    assert done.finish_reason == "tool_calls"


async def test_a_string_argument_is_sent_verbatim_even_when_malformed():
    done = (await collect(ScriptedBackend([{"tool_calls": [{"name": "a__b", "arguments": "{oops"}]}])))[-1]
    assert done.message.calls[0].function.arguments == "{oops"


def test_jsonl_and_json_list_scripts_load_including_openai_assistant_messages(tmp_path):
    jsonl = tmp_path / "s.jsonl"
    jsonl.write_text('{"content": "a"}\n\n"b"\n')
    listed = tmp_path / "s.json"
    listed.write_text(
        json.dumps(
            [
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [{"id": "x", "type": "function", "function": {"name": "t__u", "arguments": "{}"}}],
                }
            ]
        )
    )
    assert [t.content for t in load_script(jsonl)] == ["a", "b"]
    assert load_script(listed)[0].tool_calls[0].name == "t__u"


def test_a_bad_script_line_names_the_file_and_line(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text('{"content": "ok"}\n{"tool_calls": [{"arguments": {}}]}\n')
    with pytest.raises(BackendError, match=r"s\.jsonl:2: tool_calls\.0\.name"):
        load_script(path)
    path.write_text('{"content": "ok"}\n{broken\n')
    with pytest.raises(BackendError, match=r"s\.jsonl:2: invalid JSON"):
        load_script(path)


def test_the_entry_point_needs_a_script():
    with pytest.raises(BackendError, match="--script FILE"):
        create_backend("scripted", BackendOptions())


def test_an_unknown_backend_lists_the_available_ones():
    with pytest.raises(BackendError, match="unknown backend 'nope'; available: .*scripted"):
        create_backend("nope")
