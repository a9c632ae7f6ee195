"""Wire types: OpenAI chat-completions shapes as pydantic models.

Messages, tool specs, tool calls and traces cross every boundary (backends,
hub, trace files) as these models. `arguments` stays a JSON *string*, as on
the wire; it is parsed once, where it is validated against the tool schema.
This module knows nothing of MCP, of models, or of the loop.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class Wire(BaseModel):
    """Base for wire models: unknown keys survive a round trip."""

    model_config = ConfigDict(extra="allow")

    def to_wire(self) -> dict[str, Any]:
        """The JSON-ready dict, without unset optional fields."""
        return self.model_dump(mode="json", exclude_none=True)


class FunctionSpec(Wire):
    name: str
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})


class ToolSpec(Wire):
    type: Literal["function"] = "function"
    function: FunctionSpec

    @property
    def name(self) -> str:
        return self.function.name


class FunctionCall(Wire):
    name: str
    arguments: str = "{}"


class ToolCall(Wire):
    id: str
    type: Literal["function"] = "function"
    function: FunctionCall

    @property
    def name(self) -> str:
        return self.function.name


class TextPart(Wire):
    type: Literal["text"] = "text"
    text: str


Content = str | list[TextPart]


def content_text(content: Content | None) -> str:
    """Plain text of a message content (string or list of text parts)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(part.text for part in content)


class SystemMessage(Wire):
    role: Literal["system", "developer"] = "system"
    content: Content


class UserMessage(Wire):
    role: Literal["user"] = "user"
    content: Content


class AssistantMessage(Wire):
    role: Literal["assistant"] = "assistant"
    content: Content | None = None
    tool_calls: list[ToolCall] | None = None

    @property
    def text(self) -> str:
        return content_text(self.content)

    @property
    def calls(self) -> list[ToolCall]:
        return self.tool_calls or []


class ToolMessage(Wire):
    role: Literal["tool"] = "tool"
    tool_call_id: str
    content: Content


Message = Annotated[
    SystemMessage | UserMessage | AssistantMessage | ToolMessage,
    Field(discriminator="role"),
]
MESSAGES = TypeAdapter(list[Message])


class Trace(Wire):
    """One training/eval record: exactly what OpenAI fine-tuning and TRL read, plus `meta`."""

    messages: list[Message]
    tools: list[ToolSpec] = Field(default_factory=list)
    meta: dict[str, Any] = Field(default_factory=dict)

    def to_json_line(self) -> str:
        """The trace as one JSON line."""
        return self.model_dump_json(exclude_none=True)


def parse_messages(data: list[dict[str, Any]]) -> list[Message]:
    """Validate a list of OpenAI-shaped message dicts."""
    return MESSAGES.validate_python(data)
