"""Tool-call formats for in-process models: the bundled chat template and the parsers.

`template` picks and renders a chat template; `parsers` turn raw model text
back into calls (and calls into text). Nothing here imports torch or
transformers, or knows of MCP, the hub, the loop or decoding.
"""

from __future__ import annotations

from agent.toolcalls.parsers import PARSERS, CallStream, Parser, get_parser
from agent.toolcalls.template import (
    TEMPLATE_PATH,
    choose,
    hermes_template,
    render,
    render_text,
    supports_tools,
    template_inputs,
)
from agent.toolcalls.types import ParsedCall, ParsedTurn, ToolCallParseError, arguments_json

__all__ = [
    "PARSERS",
    "TEMPLATE_PATH",
    "CallStream",
    "ParsedCall",
    "ParsedTurn",
    "Parser",
    "ToolCallParseError",
    "arguments_json",
    "choose",
    "get_parser",
    "hermes_template",
    "render",
    "render_text",
    "supports_tools",
    "template_inputs",
]
