"""Hermes format: `<tool_call>\\n{"name": ..., "arguments": {...}}\\n</tool_call>` blocks (Qwen2.5, bundled template).

Content is the text outside the blocks, ending at the first template marker
that opens made-up text (`<|im_end|>`, `<tool_response>`...: see markers.py),
with stray closing markers dropped. A `<tool_call>` left open at the end
(output cut off) is an error, not content. Unlike a plain regex, a
`</tool_call>` inside a JSON string does not end the block. A malformed call's
`raw` is its body: the text between the tags, stripped. `OPEN`, `CLOSE`,
`call_prefix` and `CALL_SUFFIX` are the one place in Python that spells the
call text (hermes.jinja writes the same). This module knows nothing of the
chat template that teaches the format, nor of tool schemas.
"""

from __future__ import annotations

import json
import re

from agent.toolcalls.markers import HERMES_STOPS, HERMES_STRAYS, first_stop, held, without_strays
from agent.toolcalls.parsers.base import Parser, content_of, decode_object, shown, to_call
from agent.toolcalls.types import ParsedCall, ParsedTurn, ToolCallParseError, arguments_json

OPEN = "<tool_call>"
CLOSE = "</tool_call>"
CALL_SUFFIX = "}\n" + CLOSE
HINT = 'write <tool_call>{"name": ..., "arguments": {...}}</tool_call>'


def call_prefix(name: str) -> str:
    """The fixed text of a call up to its arguments, as the bundled template renders it."""
    return f'{OPEN}\n{{"name": {json.dumps(name, ensure_ascii=False)}, "arguments": '


# Inside a block: a whole JSON string, a lone (unterminated) quote, a bracket, or the closing tag.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|"|[{}\[\]]|' + re.escape(CLOSE), re.DOTALL)


def _block_end(text: str, pos: int) -> int:
    """Index of the `</tool_call>` closing a block whose body starts at `pos`, or -1 if not (yet) closed.

    A closing tag inside a JSON string does not close the block, so arguments may
    hold any text; once the JSON value is complete the next closing tag counts.
    """
    depth = 0
    for token in _TOKEN.finditer(text, pos):
        kind = token.group()
        if kind == CLOSE:
            return token.start()
        if kind == '"':
            return -1
        if kind in "{[":
            depth += 1
        elif kind in "}]":
            depth -= 1
            if depth <= 0:
                return text.find(CLOSE, token.end())
    return -1


def _split(text: str) -> tuple[str, list[str], str | None, bool]:
    """(outside text, closed block bodies, text after an unclosed trailing `<tool_call>` or None, stopped).

    Outside text ends at the first stop marker outside a block (`stopped`); what follows is not the answer.
    """
    outside: list[str] = []
    bodies: list[str] = []
    pos = 0
    while True:
        start = text.find(OPEN, pos)
        segment = text[pos:] if start < 0 else text[pos:start]
        stop = first_stop(segment, HERMES_STOPS)
        if stop >= 0:
            outside.append(segment[:stop])
            return "".join(outside), bodies, None, True
        outside.append(segment)
        if start < 0:
            return "".join(outside), bodies, None, False
        end = _block_end(text, start + len(OPEN))
        if end < 0:
            return "".join(outside), bodies, text[start + len(OPEN) :], False
        bodies.append(text[start + len(OPEN) : end])
        pos = end + len(CLOSE)


def _block(body: str) -> ParsedCall | ToolCallParseError:
    raw = data = body.strip()
    try:
        obj, end = decode_object(data)
    except ValueError as exc:
        return ToolCallParseError(raw, f"invalid JSON in {OPEN} {exc}; {HINT}")
    if end != len(data):
        return ToolCallParseError(raw, f"unexpected text after the JSON object in {OPEN} at char {end}; {HINT}")
    return to_call(obj, raw, keys=("arguments", "parameters"), hint=HINT)


def parse(text: str) -> ParsedTurn:
    """Split a model output into content, calls and errors; never raises."""
    outside, bodies, tail, _ = _split(text)
    results = [_block(body) for body in bodies]
    calls = [r for r in results if isinstance(r, ParsedCall)]
    errors = [r for r in results if isinstance(r, ToolCallParseError)]
    if tail is not None:
        reason = f"unclosed {OPEN} (output cut off, or a string not closed?); {HINT}"
        errors.append(ToolCallParseError(tail.strip(), reason))
    return ParsedTurn(content_of(without_strays(outside)), calls, errors)


def render_call(call: ParsedCall) -> str:
    """One call exactly as the bundled template renders it."""
    return call_prefix(call.name) + arguments_json(call.arguments) + CALL_SUFFIX


def render(calls: list[ParsedCall], content: str | None = None) -> str:
    """The assistant text (without `<|im_end|>`) the bundled template renders for this turn."""
    head = [content] if content else []
    return "\n".join(head + [render_call(call) for call in calls])


def visible(text: str) -> str:
    """Content certain so far: outside closed blocks, before any open block or partial tag or marker."""
    outside, _, tail, stopped = _split(text)
    if tail is None and not stopped:
        outside = outside[: len(outside) - held(outside, _TAGS)]
    return shown(without_strays(outside))


def stopped(text: str) -> bool:
    """Whether a stop marker ended the answer (decoding further is wasted)."""
    return _split(text)[3]


_TAGS = (OPEN, *HERMES_STOPS, *HERMES_STRAYS)
PARSER = Parser("hermes", parse, render, visible, stopped)
