"""Records a tool-call parser returns: parsed calls, typed parse errors, one parsed turn.

A parse error is data, not an exception: the loop shows its one-line `reason`
to the model so it can retry. This module knows nothing of formats or models.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ParsedCall:
    """One tool call read from model text: a name and its JSON-object arguments."""

    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ToolCallParseError:
    """A tool call the model tried and got wrong: its raw body and a reason it can act on.

    `raw` is the call's body in every format, without the format's wrapping: for
    hermes the text between `<tool_call>` and `</tool_call>`, stripped (for an
    unclosed trailing call, the text after `<tool_call>`); for llama3_json the
    JSON text; for pythonic `name(...)` (or the rest of a call list that does not
    parse). A backend may pass it on as the call's `arguments` string, so the
    template that re-renders the turn wraps it exactly once.
    """

    raw: str
    reason: str
    name: str | None = None


@dataclass(frozen=True)
class ParsedTurn:
    """A model's whole output split into text content, calls and malformed calls."""

    content: str | None
    calls: list[ParsedCall] = field(default_factory=list)
    errors: list[ToolCallParseError] = field(default_factory=list)


def arguments_json(arguments: dict[str, Any]) -> str:
    """Arguments as minified JSON: the bytes the bundled template renders for a mapping."""
    return json.dumps(arguments, ensure_ascii=False, separators=(",", ":"))
