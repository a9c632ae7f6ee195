"""Llama 3.1 JSON format: `{"name": ..., "parameters": {...}}`, several joined by `;`.

As vLLM's `llama3_json` parser: an output that starts with `{` is calls, and
so is whatever follows `<|python_tag|>`; anything else is plain content. Text
before `<|python_tag|>` is content, so a turn can carry both. This module knows
nothing of Llama's chat template beyond the shape of a call.
"""

from __future__ import annotations

import json

from agent.toolcalls.parsers.base import Parser, content_of, decode_object, partial_suffix, shown, to_call
from agent.toolcalls.types import ParsedCall, ParsedTurn, ToolCallParseError

TAG = "<|python_tag|>"
HINT = 'write {"name": ..., "parameters": {...}}'
SEPARATORS = " \t\r\n;"


def _split(text: str) -> tuple[str, str] | None:
    """(content before the calls, call region), or None when the output is all content."""
    if text.lstrip().startswith("{"):
        return "", text
    tag = text.find(TAG)
    if tag >= 0:
        return text[:tag], text[tag + len(TAG) :]
    return None


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in SEPARATORS:
        pos += 1
    return pos


def _calls(region: str) -> tuple[list[ParsedCall], list[ToolCallParseError], str]:
    """Objects separated by `;`/whitespace; returns calls, errors and trailing non-call text."""
    calls: list[ParsedCall] = []
    errors: list[ToolCallParseError] = []
    pos = _skip(region, 0)
    while pos < len(region) and region[pos] == "{":
        try:
            obj, end = decode_object(region, pos)
        except ValueError as exc:
            errors.append(ToolCallParseError(region[pos:], f"invalid JSON call {exc}; {HINT}"))
            return calls, errors, ""
        result = to_call(obj, region[pos:end], keys=("parameters", "arguments"), hint=HINT)
        if isinstance(result, ParsedCall):
            calls.append(result)
        else:
            errors.append(result)
        pos = _skip(region, end)
    return calls, errors, region[pos:]


def parse(text: str) -> ParsedTurn:
    """Split a model output into content, calls and errors; never raises."""
    split = _split(text)
    if split is None:
        return ParsedTurn(content_of(text))
    head, region = split
    calls, errors, tail = _calls(region)
    return ParsedTurn(content_of(head + tail), calls, errors)


def render_call(call: ParsedCall) -> str:
    """One call as Llama 3.1's template writes it (`tojson`, default separators)."""
    name = json.dumps(call.name, ensure_ascii=False)
    return f'{{"name": {name}, "parameters": {json.dumps(call.arguments, ensure_ascii=False)}}}'


def render(calls: list[ParsedCall], content: str | None = None) -> str:
    """The text a model emits for this turn; content goes before `<|python_tag|>`."""
    if not calls:
        return content or ""
    body = "; ".join(render_call(call) for call in calls)
    return f"{content}{TAG}{body}" if content else body


def visible(text: str) -> str:
    """Content certain so far: nothing once the output starts with `{`, else text before the tag."""
    if text.lstrip().startswith("{"):
        return ""
    tag = text.find(TAG)
    head = text[:tag] if tag >= 0 else text[: len(text) - partial_suffix(text, TAG)]
    return shown(head)


PARSER = Parser("llama3_json", parse, render, visible)
