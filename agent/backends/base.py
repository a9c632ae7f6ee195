"""The backend seam: a model that turns messages + tool specs into an assistant turn.

A backend streams text deltas and ends with one `Completion` holding the whole
assistant message (tool calls included, arguments as JSON strings). It knows
nothing of MCP, of the hub, or of how the loop dispatches calls.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

# BackendError is defined in agent.errors (agent/models raises it too); callers import it from here.
from agent.errors import BackendError as BackendError
from agent.messages import AssistantMessage, Message, ToolSpec


class ContextOverflow(BackendError):
    """The request does not fit the model's context window (and may not be shortened)."""


@dataclass
class ChatRequest:
    messages: list[Message]
    tools: list[ToolSpec] = field(default_factory=list)
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: list[str] | None = None
    seed: int | None = None
    tool_choice: str | dict[str, Any] | None = None
    # A conversation too long for the context loses its oldest turns (the chat); False: ContextOverflow (an API).
    truncate: bool = True
    # The reply must be one JSON value matching this schema, no tool calls (OpenAI's response_format).
    response_schema: dict[str, Any] | None = None


@dataclass
class TextDelta:
    text: str


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class Completion:
    message: AssistantMessage
    finish_reason: str = "stop"
    usage: Usage | None = None
    model: str = ""
    # Tool calls the model wrote but that could not be parsed, by call id: the
    # loop answers them with this reason instead of dispatching them.
    parse_errors: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)  # e.g. "dropped 2 oldest turns to fit the context"


BackendEvent = TextDelta | Completion


@runtime_checkable
class Backend(Protocol):
    """What the loop needs of a model."""

    name: str

    def stream(self, request: ChatRequest) -> AsyncIterator[BackendEvent]:
        """Yield text deltas, then exactly one Completion."""
        ...

    async def aclose(self) -> None:
        """Release connections or weights."""
        ...


async def complete(backend: Backend, request: ChatRequest) -> Completion:
    """Run one request to its Completion, ignoring deltas."""
    async for event in backend.stream(request):
        if isinstance(event, Completion):
            return event
    raise BackendError(f"backend {backend.name!r} ended its stream without a completion")


class BackendSampler:
    """Lets MCP servers borrow the active backend for `sampling/createMessage`."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    async def sample(self, messages: list[Message], *, max_tokens: int) -> tuple[str, str]:
        done = await complete(self.backend, ChatRequest(messages=messages, max_tokens=max_tokens))
        return done.message.text, done.model or self.backend.name
