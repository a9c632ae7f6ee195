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
    """A tool call the model tried and got wrong: the raw text and a reason it can act on."""

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
