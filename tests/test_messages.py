"""Wire types round-trip literal OpenAI chat-completions JSON."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from agent.messages import AssistantMessage, Trace, parse_messages

OPENAI_CONVERSATION = [
    {"role": "system", "content": "You are helpful."},
    {"role": "user", "content": "Weather in Paris and Rome?"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_abc",
                "type": "function",
                "function": {"name": "weather__get", "arguments": '{"city": "Paris"}'},
            },
            {
                "id": "call_def",
                "type": "function",
                "function": {"name": "weather__get", "arguments": '{"city": "Rome"}'},
            },
        ],
    },
    {"role": "tool", "tool_call_id": "call_abc", "content": "18 C"},
    {"role": "tool", "tool_call_id": "call_def", "content": "24 C"},
    {"role": "assistant", "content": "Paris 18 C, Rome 24 C."},
]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "weather__get",
            "description": "Weather for a city.",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    }
]


def _without_nulls(message: dict) -> dict:
    return {k: v for k, v in message.items() if v is not None}


def test_an_openai_conversation_round_trips_exactly_apart_from_null_content():
    messages = parse_messages(OPENAI_CONVERSATION)
    assert [m.to_wire() for m in messages] == [_without_nulls(m) for m in OPENAI_CONVERSATION]


def test_tool_call_arguments_stay_a_json_string():
    assistant = parse_messages(OPENAI_CONVERSATION)[2]
    assert isinstance(assistant, AssistantMessage)
    assert assistant.calls[1].function.arguments == '{"city": "Rome"}'
    assert json.loads(assistant.calls[1].function.arguments) == {"city": "Rome"}


def test_a_trace_line_is_exactly_what_openai_fine_tuning_reads_plus_meta():
    line = json.dumps({"messages": OPENAI_CONVERSATION, "tools": TOOLS, "meta": {"task": "t-1"}})
    trace = Trace.model_validate_json(line)
    again = json.loads(trace.to_json_line())
    assert again["tools"] == TOOLS
    assert again["meta"] == {"task": "t-1"}
    assert again["messages"] == [_without_nulls(m) for m in OPENAI_CONVERSATION]


def test_content_given_as_text_parts_is_accepted():
    [user] = parse_messages([{"role": "user", "content": [{"type": "text", "text": "hi"}]}])
    assert user.to_wire() == {"role": "user", "content": [{"type": "text", "text": "hi"}]}


def test_an_unknown_role_is_rejected():
    with pytest.raises(ValidationError):
        parse_messages([{"role": "robot", "content": "beep"}])


def test_a_tool_message_without_a_call_id_is_rejected():
    with pytest.raises(ValidationError, match="tool_call_id"):
        parse_messages([{"role": "tool", "content": "orphan"}])
