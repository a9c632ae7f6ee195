"""What every tool-call format shares: the `Parser` record, streaming, and JSON-call checks.

A format is pure functions over text: `parse`, `render`, `visible` (the
prefix of a partial output that is certainly plain content) and `stopped`
(a template marker ended the answer). Streaming is built on `visible` alone,
so it can never disagree with `parse`. This module
knows nothing of any particular format, of tokenizers or of the loop.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from agent.toolcalls.types import ParsedCall, ParsedTurn, ToolCallParseError


class CallStream:
    """Incremental parse: `feed` returns only text that can never turn out to be a tool call."""

    def __init__(
        self,
        visible: Callable[[str], str],
        parse: Callable[[str], ParsedTurn],
        stopped: Callable[[str], bool] | None = None,
    ) -> None:
        self._visible, self._parse, self._stopped = visible, parse, stopped or _never
        self.text = ""
        self.shown = ""

    def feed(self, delta: str) -> str:
        """Add generated text; return the newly safe-to-show part (often empty)."""
        self.text += delta
        now = self._visible(self.text)
        if not now.startswith(self.shown):  # cannot happen for a correct `visible`; never show twice
            return ""
        fresh, self.shown = now[len(self.shown) :], now
        return fresh

    @property
    def stopped(self) -> bool:
        """A template marker ended the answer: whatever comes next is not shown or parsed."""
        return self._stopped(self.text)

    def finish(self) -> ParsedTurn:
        """The parse of everything fed, identical to `parse(full_text)`."""
        return self._parse(self.text)

    def rest(self, turn: ParsedTurn) -> str:
        """The end of `turn`'s content not yet shown (what `visible` held back until the output ended)."""
        content = turn.content or ""
        return content[len(self.shown) :] if content.startswith(self.shown) else ""


@dataclass(frozen=True)
class Parser:
    """One tool-call format, by name."""

    name: str
    parse: Callable[[str], ParsedTurn]
    render: Callable[[list[ParsedCall], str | None], str]
    visible: Callable[[str], str]
    stopped: Callable[[str], bool] | None = None  # None: no marker ends this format's answers

    def stream(self) -> CallStream:
        """A fresh streaming parser for one model output."""
        return CallStream(self.visible, self.parse, self.stopped)


def _never(text: str) -> bool:
    return False


def content_of(text: str) -> str | None:
    """Text outside tool calls, stripped; None when nothing is left."""
    return text.strip() or None


def shown(text: str) -> str:
    """What a stream may show of certain content: no leading or trailing whitespace yet."""
    return text.strip()


def partial_suffix(text: str, tag: str) -> int:
    """Length of the longest end of `text` that is a proper start of `tag` (0 if none)."""
    for size in range(min(len(text), len(tag) - 1), 0, -1):
        if text.endswith(tag[:size]):
            return size
    return 0


def kind(value: Any) -> str:
    """A JSON type name for error messages."""
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    names = {dict: "an object", list: "an array", str: "a string", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


def _no_constants(token: str) -> NoReturn:
    raise ValueError(f"{token} is not valid JSON")


DECODER = json.JSONDecoder(parse_constant=_no_constants)


def decode_object(text: str, start: int = 0) -> tuple[Any, int]:
    """JSON value at `start` (NaN/Infinity rejected); raises ValueError with a one-line message."""
    try:
        return DECODER.raw_decode(text, start)
    except json.JSONDecodeError as exc:
        raise ValueError(f"at char {exc.pos - start}: {exc.msg}") from None
    except RecursionError:
        raise ValueError("nested too deeply") from None


def to_call(obj: Any, raw: str, *, keys: tuple[str, ...], hint: str) -> ParsedCall | ToolCallParseError:
    """Check a decoded `{"name": ..., <keys[0]>: {...}}` object; missing arguments mean `{}`."""
    if not isinstance(obj, dict):
        return ToolCallParseError(raw, f"expected a JSON object, got {kind(obj)}; {hint}")
    name = obj.get("name")
    if not isinstance(name, str) or not name:
        return ToolCallParseError(raw, f'missing "name" (a non-empty string); {hint}')
    key = next((k for k in keys if k in obj), keys[0])
    args = obj.get(key, {})
    if isinstance(args, str):
        args = _maybe_object(args)
    if not isinstance(args, dict):
        return ToolCallParseError(raw, f'"{key}" of {name} must be a JSON object, got {kind(args)}; {hint}', name)
    return ParsedCall(name, args)


def _maybe_object(text: str) -> Any:
    """A JSON-encoded object inside a string (a common slip) decodes; anything else stays a string."""
    try:
        value, end = decode_object(text.strip())
    except ValueError:
        return text
    return value if isinstance(value, dict) and end == len(text.strip()) else text
