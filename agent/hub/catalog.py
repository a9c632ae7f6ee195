"""MCP tools as model-facing specs: `server__tool` names, compact schemas, and whether a call asks first.

Prompt tokens are the budget on a CPU, so specs drop JSON-schema `title`
noise and keep the first paragraph of long descriptions. Validation always
uses the server's original schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mcp_types as types

from agent.messages import FunctionSpec, ToolSpec
from agent.registry.model import Approve

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
    approve: Approve = "writes"

    @property
    def schema(self) -> dict[str, Any]:
        return self.tool.input_schema or {"type": "object", "properties": {}}

    @property
    def read_only(self) -> bool:
        """Annotated `readOnlyHint: true`. The MCP spec's default is false: an unannotated tool may change things."""
        hints = self.tool.annotations
        return hints is not None and hints.read_only_hint is True

    @property
    def asks_first(self) -> bool:
        """Whether a call needs the user's approval under the server's `approve` policy.

        'writes' (the default) asks for every tool that is not read-only: an additive tool
        (destructiveHint: false, such as git_add) still changes things. Annotations are a
        server's own claims; `approve` is how a user who does not trust them asks for more.
        """
        if self.approve == "never":
            return False
        return self.approve == "all" or not self.read_only

    def spec(self) -> ToolSpec:
        """The compact OpenAI tool spec a model sees."""
        return ToolSpec(
            function=FunctionSpec(
                name=self.name,
                description=short_description(self.tool.description),
                parameters=compact_schema(self.schema),
            )
        )
