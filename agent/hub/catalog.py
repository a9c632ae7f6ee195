"""MCP tools as model-facing specs: `server__tool` names, compact schemas, approval flags.

Prompt tokens are the budget on a CPU, so specs drop JSON-schema `title`
noise and keep the first paragraph of long descriptions. Validation always
uses the server's original schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mcp_types as types

from agent.messages import FunctionSpec, ToolSpec

MAX_DESCRIPTION = 400
_SCHEMA_MAPS = ("properties", "$defs", "definitions", "patternProperties")
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SCHEMA_ONE = ("items", "additionalProperties", "not", "if", "then", "else")


def compact_schema(schema: Any) -> Any:
    """Drop `title` keywords (never a property *named* title) throughout a JSON schema."""
    if not isinstance(schema, dict):
        return schema
    out = {k: v for k, v in schema.items() if k != "title"}
    for key in _SCHEMA_MAPS:
        if isinstance(out.get(key), dict):
            out[key] = {name: compact_schema(sub) for name, sub in out[key].items()}
    for key in _SCHEMA_LISTS:
        if isinstance(out.get(key), list):
            out[key] = [compact_schema(sub) for sub in out[key]]
    for key in _SCHEMA_ONE:
        if key in out:
            out[key] = compact_schema(out[key])
    return out


def short_description(text: str | None) -> str:
    """First paragraph of a description, capped so one tool cannot eat the prompt."""
    first = (text or "").strip().split("\n\n")[0].strip()
    first = " ".join(first.split())
    return first if len(first) <= MAX_DESCRIPTION else first[: MAX_DESCRIPTION - 1] + "…"


@dataclass(frozen=True)
class HubTool:
    """One dispatchable tool: its exposed name, where it lives and how it behaves."""

    name: str
    server: str
    tool: types.Tool
    confirm: bool = False

    @property
    def schema(self) -> dict[str, Any]:
        return self.tool.input_schema or {"type": "object", "properties": {}}

    @property
    def destructive(self) -> bool:
        """Annotated destructive (and not read-only), or on a server marked `confirm`."""
        hints = self.tool.annotations
        flagged = hints is not None and hints.destructive_hint is True and hints.read_only_hint is not True
        return flagged or self.confirm

    def spec(self) -> ToolSpec:
        """The compact OpenAI tool spec a model sees."""
        return ToolSpec(
            function=FunctionSpec(
                name=self.name,
                description=short_description(self.tool.description),
                parameters=compact_schema(self.schema),
            )
        )
