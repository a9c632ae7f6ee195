"""OpenAI's response shapes: a chat completion, its stream chunks, the usage chunk, an error object.

Built from the backend's `Completion` and `TextDelta`s. Tool calls the model
botched (those in the completion's `parse_errors`) are not passed on as
calls: their raw text goes back as content, as vLLM does when its parser
fails. It knows nothing of HTTP or of models.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from agent.backends.base import Completion, Usage
from agent.messages import ToolCall

ERROR_TYPES = {401: "authentication_error", 404: "not_found_error", 429: "rate_limit_error"}


def new_id() -> str:
    """A chat-completion id (`chatcmpl-` + 24 hex digits)."""
    return f"chatcmpl-{uuid.uuid4().hex[:24]}"


def error(status: int, message: str, *, param: str | None = None, code: str | None = None) -> dict[str, Any]:
    """OpenAI's error object for an HTTP status; `code` is a name like `invalid_value`, or None (never the status)."""
    kind = ERROR_TYPES.get(status, "invalid_request_error" if status < 500 else "server_error")
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def split_calls(completion: Completion, parallel: bool) -> tuple[str | None, list[ToolCall]]:
    """(content, calls to return): botched calls become content; one call only without parallel calls."""
    content = completion.message.text or None
    calls: list[ToolCall] = []
    botched: list[ToolCall] = []
    for call in completion.message.calls:
        (botched if call.id in completion.parse_errors else calls).append(call)
    if botched:
        raw = "".join(call.function.arguments for call in botched)
        content = (content or "") + raw
    return content, calls if parallel else calls[:1]


def finish_reason(completion: Completion, calls: list[ToolCall]) -> str:
    """`tool_calls` when calls are returned; otherwise the backend's stop / length."""
    if calls:
        return "tool_calls"
    return "length" if completion.finish_reason == "length" else "stop"


def usage(value: Usage | None) -> dict[str, int]:
    used = value or Usage()
    total = used.prompt_tokens + used.completion_tokens
    return {"prompt_tokens": used.prompt_tokens, "completion_tokens": used.completion_tokens, "total_tokens": total}


def completion_reply(rid: str, model: str, completion: Completion, parallel: bool) -> dict[str, Any]:
    """The non-streaming `chat.completion` object."""
    content, calls = split_calls(completion, parallel)
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = [call.to_wire() for call in calls]
    choice = {"index": 0, "message": message, "finish_reason": finish_reason(completion, calls), "logprobs": None}
    return {**_head(rid, model, "chat.completion"), "choices": [choice], "usage": usage(completion.usage)}


def chunk(rid: str, model: str, delta: dict[str, Any], finish: str | None = None, *, with_usage: bool = False):
    """One `chat.completion.chunk` with a single choice."""
    body = {**_head(rid, model, "chat.completion.chunk"), "choices": [_choice(delta, finish)]}
    if with_usage:
        body["usage"] = None  # OpenAI sends null on every chunk but the last when usage is asked for
    return body


def usage_chunk(rid: str, model: str, value: Usage | None) -> dict[str, Any]:
    """The last chunk when `stream_options.include_usage`: no choices, the usage."""
    return {**_head(rid, model, "chat.completion.chunk"), "choices": [], "usage": usage(value)}


def call_deltas(calls: list[ToolCall]) -> list[dict[str, Any]]:
    """Per call: a delta opening it (index, id, name) and one carrying its arguments."""
    deltas = []
    for index, call in enumerate(calls):
        opening = {"index": index, "id": call.id, "type": "function", "function": {"name": call.name, "arguments": ""}}
        deltas.append({"tool_calls": [opening]})
        deltas.append({"tool_calls": [{"index": index, "function": {"arguments": call.function.arguments}}]})
    return deltas


def _choice(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}


def _head(rid: str, model: str, kind: str) -> dict[str, Any]:
    return {"id": rid, "object": kind, "created": int(time.time()), "model": model}
