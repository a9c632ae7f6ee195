"""Pythonic format: `[get_weather(city="SF", n=3), other()]` (Llama 3.2/4 pythonic templates, vLLM `pythonic`).

The call list starts a line (content may come before it); arguments are
keyword-only Python literals, read with `ast` and never evaluated. `true`,
`false` and `null` are accepted for their Python spellings, and argument names
that are not identifiers travel as `**{"a b": 1}`. Tool names may contain `-`,
so the list is scanned call by call rather than parsed whole. This module knows
nothing of any chat template.
"""

from __future__ import annotations

import ast
import json
import keyword
import math
import re
from typing import Any

from agent.toolcalls.parsers.base import Parser, content_of, shown
from agent.toolcalls.types import ParsedCall, ParsedTurn, ToolCallParseError

HINT = 'write [name(arg="value", n=1), other()]'
START = re.compile(r"(?:^|(?<=\n))[ \t]*(\[)\s*[A-Za-z0-9_-]+\s*\(")
PARTIAL = re.compile(r"(?:^|(?<=\n))[ \t]*(?:\[\s*(?:[A-Za-z0-9_-]+\s*)?)?\Z")
CALL = re.compile(r"\s*([A-Za-z0-9_-]+)\s*\(")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
JSON_NAMES = {"true": True, "false": False, "null": None, "True": True, "False": False, "None": None}


def _skip_string(text: str, pos: int) -> int | None:
    """Index just past the string literal opening at `pos`, or None if it never closes."""
    quote = text[pos] * 3 if text.startswith(text[pos] * 3, pos) else text[pos]
    i = pos + len(quote)
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text.startswith(quote, i):
            return i + len(quote)
        elif text[i] == "\n" and len(quote) == 1:
            return None
        else:
            i += 1
    return None


def _close_paren(text: str, pos: int) -> int | None:
    """Index of the `)` closing a call whose arguments start at `pos` (strings and comments skipped)."""
    depth, i = 0, pos
    while i < len(text):
        char = text[i]
        if char in "\"'":
            end = _skip_string(text, i)
            if end is None:
                return None
            i = end
            continue
        if char == "#":
            i = text.find("\n", i)
            if i < 0:
                return None
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                return i if char == ")" else None
            depth -= 1
        i += 1
    return None


def _literal(node: ast.AST) -> Any:
    """A JSON value from a Python literal node; raises ValueError naming what is not allowed."""
    if isinstance(node, ast.Constant):
        value = node.value
        if value is None or isinstance(value, bool | int | str) or (isinstance(value, float) and math.isfinite(value)):
            return value
        raise ValueError(f"is {type(value).__name__} {value!r}, not a JSON value")
    if isinstance(node, ast.List | ast.Tuple):
        return [_literal(item) for item in node.elts]
    if isinstance(node, ast.Dict):
        return _dict(node)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _literal(node.operand)
        if type(value) not in (int, float):
            raise ValueError("applies a sign to something that is not a number")
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Name) and node.id in JSON_NAMES:
        return JSON_NAMES[node.id]
    raise ValueError("is not a literal (no variables, calls or expressions)")


def _dict(node: ast.Dict) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key_node, value_node in zip(node.keys, node.values, strict=True):
        key = None if key_node is None else _literal(key_node)
        if not isinstance(key, str):
            raise ValueError("has a dict key that is not a string")
        out[key] = _literal(value_node)
    return out


def _syntax(source: str) -> ast.Call | str:
    """The parsed call `_(<source>)`, or a one-line reason it does not parse."""
    try:
        node = ast.parse(f"_({source})", mode="eval").body
    except SyntaxError as exc:
        return f"invalid Python syntax: {exc.msg}"
    except (ValueError, RecursionError, MemoryError) as exc:
        return f"invalid Python syntax: {type(exc).__name__}"
    return node if isinstance(node, ast.Call) else "invalid Python syntax"


def _call(name: str, source: str, raw: str) -> ParsedCall | ToolCallParseError:
    node = _syntax(source)
    if isinstance(node, str):
        return ToolCallParseError(raw, f"{node} in {name}(...); {HINT}", name)
    if node.args:
        return ToolCallParseError(raw, f"{name}(...) takes keyword arguments only; {HINT}", name)
    arguments: dict[str, Any] = {}
    for item in node.keywords:
        try:
            value = _literal(item.value)
        except (ValueError, RecursionError) as exc:
            reason = exc if isinstance(exc, ValueError) else "is nested too deeply"
            return ToolCallParseError(raw, f"argument {item.arg or '**'} of {name} {reason}; {HINT}", name)
        if item.arg is not None:
            arguments[item.arg] = value
        elif isinstance(value, dict):
            arguments.update(value)
        else:
            return ToolCallParseError(raw, f"** in {name}(...) needs a dict; {HINT}", name)
    return ParsedCall(name, arguments)


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _list(text: str, start: int) -> tuple[list[ParsedCall], list[ToolCallParseError], int]:
    """Calls of the list opening at `start`; returns calls, errors and the index after the list."""
    calls: list[ParsedCall] = []
    errors: list[ToolCallParseError] = []
    pos = start + 1
    while True:
        match = CALL.match(text, pos)
        if match is None:
            errors.append(ToolCallParseError(text[start:], f"expected name(...) at char {pos - start}; {HINT}"))
            return calls, errors, len(text)
        name = match.group(1)
        close = _close_paren(text, match.end())
        if close is None:
            errors.append(ToolCallParseError(text[start:], f"unclosed {name}( (output cut off?); {HINT}", name))
            return calls, errors, len(text)
        result = _call(name, text[match.end() : close], text[match.start(1) : close + 1])
        if isinstance(result, ParsedCall):
            calls.append(result)
        else:
            errors.append(result)
        pos = _skip_space(text, close + 1)
        if text.startswith(",", pos):
            pos = _skip_space(text, pos + 1)
            if not text.startswith("]", pos):
                continue
        if text.startswith("]", pos):
            return calls, errors, pos + 1
        errors.append(ToolCallParseError(text[start:], f"expected , or ] at char {pos - start}; {HINT}"))
        return calls, errors, len(text)


def parse(text: str) -> ParsedTurn:
    """Split a model output into content, calls and errors; never raises."""
    match = START.search(text)
    if match is None:
        return ParsedTurn(content_of(text))
    start = match.start(1)
    calls, errors, end = _list(text, start)
    return ParsedTurn(content_of(text[:start] + text[end:]), calls, errors)


def _py(value: Any) -> str:
    """A JSON value as a Python literal (strings double-quoted, JSON escapes are valid Python)."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_py(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_py(key)}: {_py(item)}" for key, item in value.items()) + "}"
    return json.dumps(value, ensure_ascii=False)


def _keyword_name(key: str) -> bool:
    return IDENTIFIER.fullmatch(key) is not None and not keyword.iskeyword(key)


def render_call(call: ParsedCall) -> str:
    """One call, `name(a=1, b="x")`; argument names that are not identifiers go in `**{...}`."""
    parts = [f"{key}={_py(value)}" for key, value in call.arguments.items() if _keyword_name(key)]
    other = {key: value for key, value in call.arguments.items() if not _keyword_name(key)}
    if other:
        parts.append(f"**{_py(other)}")
    return f"{call.name}({', '.join(parts)})"


def render(calls: list[ParsedCall], content: str | None = None) -> str:
    """The text a model emits for this turn: content, then the call list on its own line."""
    if not calls:
        return content or ""
    body = "[" + ", ".join(render_call(call) for call in calls) + "]"
    return f"{content}\n{body}" if content else body


def visible(text: str) -> str:
    """Content certain so far: text before the call list, holding back a line that may start one."""
    match = START.search(text)
    if match is not None:
        return shown(text[: match.start(1)])
    hold = PARTIAL.search(text)
    return shown(text[: hold.start()] if hold else text)


PARSER = Parser("pythonic", parse, render, visible)
