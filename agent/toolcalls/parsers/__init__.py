"""Tool-call parsers by name: `hermes`, `llama3_json`, `pythonic` (the names vLLM uses).

Each turns raw model text into a `ParsedTurn` (never raising), renders calls
back into the text a model would emit, and streams safely. This package knows
nothing of MCP, the hub, the loop or decoding.
"""

from __future__ import annotations

from agent.toolcalls.parsers import hermes, llama3_json, pythonic
from agent.toolcalls.parsers.base import CallStream, Parser

PARSERS: dict[str, Parser] = {p.name: p for p in (hermes.PARSER, llama3_json.PARSER, pythonic.PARSER)}


def get_parser(name: str) -> Parser:
    """The parser called `name`; an unknown name raises ValueError listing the known ones."""
    try:
        return PARSERS[name]
    except KeyError:
        raise ValueError(f"unknown tool-call parser {name!r}; known: {', '.join(PARSERS)}") from None


__all__ = ["PARSERS", "CallStream", "Parser", "get_parser"]
