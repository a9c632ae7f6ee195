"""The backend seam: a model that turns messages + tool specs into an assistant turn.

A backend streams text deltas and ends with one `Completion` holding the whole
assistant message (tool calls included, arguments as JSON strings). What a
backend can do besides that is declared on its class as
`capabilities: ClassVar[Capabilities]` and read with `capabilities()`, never
probed with hasattr; a class that declares none has none. A request a backend
cannot honour as configured is refused with `UnsupportedRequest`, never
quietly ignored. It knows nothing of MCP, of the hub, or of how the loop
dispatches calls.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeGuard, runtime_checkable

from pydantic import BaseModel

# BackendError is defined in agent.errors (agent/models raises it too); callers import it from here.
from agent.errors import BackendError as BackendError
from agent.messages import AssistantMessage, Message, ToolSpec


class ContextOverflow(BackendError):
    """The request does not fit the model's context window (and may not be shortened)."""


class UnsupportedRequest(BackendError):
    """A request this backend cannot honour as set up; the one line names the flag or field (`param`) to change."""

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


class NamedFunction(BaseModel):
    name: str


class NamedChoice(BaseModel):
    """OpenAI's `{"type": "function", "function": {"name": ...}}`: the turn must call this one tool."""

    type: Literal["function"] = "function"
    function: NamedFunction


# "auto": the model decides; "none": no tool calls; "required": at least one call; a NamedChoice: that tool.
ToolChoice = Literal["auto", "none", "required"] | NamedChoice


@dataclass
class ChatRequest:
    messages: list[Message]
    tools: list[ToolSpec] = field(default_factory=list)
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: list[str] | None = None
    seed: int | None = None
    tool_choice: ToolChoice | None = None
    # A conversation too long for the context loses its oldest turns (the chat); False: ContextOverflow (an API).
    truncate: bool = True
    # The reply must be one JSON value matching this schema, no tool calls (OpenAI's response_format).
    response_schema: dict[str, Any] | None = None

    def requires_call(self) -> bool:
        """Whether the turn must call a tool ("required" or a named tool)."""
        return self.tool_choice == "required" or isinstance(self.tool_choice, NamedChoice)

    def offered_tools(self) -> list[ToolSpec]:
        """The tools the model may call: none under "none", only the named one under a named choice."""
        if self.tool_choice == "none":
            return []
        if isinstance(self.tool_choice, NamedChoice):
            wanted = self.tool_choice.function.name
            named = [tool for tool in self.tools if tool.name == wanted]
            if not named:
                raise UnsupportedRequest(f"tool_choice names {wanted!r}, which is not in tools", param="tool_choice")
            return named
        return list(self.tools)

    def choice_text(self) -> str:
        """The tool choice as an error message quotes it."""
        choice = self.tool_choice
        return f"naming {choice.function.name!r}" if isinstance(choice, NamedChoice) else repr(choice)


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


@dataclass(frozen=True)
class Capabilities:
    """What a backend class can do besides `stream`; every field defaults to the bare protocol."""

    describes: bool = False  # `describe()` names the model (and adapter) it runs: banners and stored sessions
    adapters: bool = False  # an `AdapterHost`: LoRA adapters load, switch and unload between turns


NO_CAPABILITIES = Capabilities()


@runtime_checkable
class Backend(Protocol):
    """What the loop needs of a model.

    A class may add `capabilities: ClassVar[Capabilities]` (not a protocol member, so a backend written
    without it still is a Backend; `capabilities()` then gives NO_CAPABILITIES).
    """

    name: str

    def stream(self, request: ChatRequest) -> AsyncIterator[BackendEvent]:
        """Yield text deltas, then exactly one Completion."""
        ...

    async def aclose(self) -> None:
        """Release connections or weights."""
        ...


class Describes(Backend, Protocol):
    def describe(self) -> str:
        """The model (and adapter) in use, e.g. `SmolLM2-135M + adapter out/a`."""
        ...


class AdapterHost(Backend, Protocol):
    """A backend whose LoRA adapters change at run time: what the chat's /adapter and serving need."""

    @property
    def active_adapter(self) -> str | None:
        """Where the active adapter was loaded from (None: the bare base model)."""
        ...

    def load_adapter(self, path: str, name: str | None = None) -> str: ...

    def use_adapter(self, name: str | None) -> None: ...

    def unload_adapter(self, name: str | None = None) -> None: ...


def capabilities(backend: object) -> Capabilities:
    """What `backend`'s class declares; NO_CAPABILITIES for a class that declares nothing (decided here only)."""
    declared = getattr(type(backend), "capabilities", NO_CAPABILITIES)
    if not isinstance(declared, Capabilities):
        raise BackendError(f"{type(backend).__name__}.capabilities must be an agent.backends.base.Capabilities")
    return declared


def describes(backend: Backend) -> TypeGuard[Describes]:
    return capabilities(backend).describes


def hosts_adapters(backend: Backend) -> TypeGuard[AdapterHost]:
    return capabilities(backend).adapters


def describe(backend: Backend) -> str:
    """What the backend says it runs; its name when its class does not declare `describes`."""
    return backend.describe() if describes(backend) else backend.name


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
