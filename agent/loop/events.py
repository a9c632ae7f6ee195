"""Typed events the agent loop streams: what a UI, a test or a trace writer consumes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from agent.hub.results import ToolOutcome
from agent.messages import Message, ToolCall, Trace


@dataclass
class Event:
    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict with a `type` key (for `--json` output)."""
        data = {"type": _snake(type(self).__name__)}
        data.update({k: _jsonable(v) for k, v in self.__dict__.items()})
        return data


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def _jsonable(value: Any) -> Any:
    if hasattr(value, "to_wire"):
        return value.to_wire()
    if isinstance(value, ToolOutcome):
        return asdict(value)
    return value


@dataclass
class TextDelta(Event):
    step: int
    text: str


@dataclass
class ToolCallStarted(Event):
    step: int
    call: ToolCall
    needs_approval: bool = False


@dataclass
class ToolProgress(Event):
    step: int
    call_id: str
    progress: float
    total: float | None = None
    message: str | None = None


@dataclass
class ToolCallFinished(Event):
    step: int
    call: ToolCall
    outcome: ToolOutcome


@dataclass
class Notice(Event):
    """Something a person should know that is not an error (e.g. turns dropped to fit the context)."""

    step: int
    message: str


@dataclass
class StepEnd(Event):
    """A step is done: `messages` are what it appended (the assistant turn, then its tool results)."""

    step: int
    duration_s: float
    model_s: float
    completion_tokens: int = 0
    messages: list[Message] = field(default_factory=list, repr=False)

    def to_json(self) -> dict[str, Any]:
        data = super().to_json()
        data["messages"] = [m.to_wire() for m in self.messages]
        return data


@dataclass
class Final(Event):
    content: str
    steps: int
    trace: Trace = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"type": "final", "content": self.content, "steps": self.steps}


@dataclass
class RunError(Event):
    message: str
    trace: Trace | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"type": "run_error", "message": self.message}
