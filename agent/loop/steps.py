"""Typed step records: what one loop step took (model time, tokens, each tool call's time and error flag).

The loop builds them; a trace carries them as plain JSON in `meta["steps"]`, in
exactly the shape (keys and their order) traces have always had, so files on
disk do not change. This module knows nothing of backends, tools or scoring.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from agent.errors import LooptuneError
from agent.messages import Trace


class StepRecordError(LooptuneError, ValueError):
    """A step record in a trace's meta does not have the shape the loop writes."""


def _field(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in data:
        raise StepRecordError(f"{where}: missing {key!r}")
    value = data[key]
    # bool is an int: a step number or token count of True is a corrupt record, not 1.
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise StepRecordError(f"{where}: {key!r} is {value!r}, not {_names(kind)}")
    return value


def _mapping(data: Any, where: str) -> None:
    if not isinstance(data, Mapping):
        raise StepRecordError(f"{where} is {type(data).__name__}, not an object")


def _names(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(k.__name__ for k in kinds)


@dataclass(frozen=True)
class StepCall:
    """One tool call of a step: its id and name, wall time, and whether the result was an error."""

    id: str
    name: str
    duration_s: float
    is_error: bool

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "duration_s": self.duration_s, "is_error": self.is_error}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "call") -> StepCall:
        _mapping(data, where)
        return cls(
            id=_field(data, "id", str, where),
            name=_field(data, "name", str, where),
            duration_s=_field(data, "duration_s", (int, float), where),
            is_error=_field(data, "is_error", bool, where),
        )


@dataclass(frozen=True)
class Step:
    """One step: a model turn and the tool calls it asked for, with their timings (seconds, rounded)."""

    step: int
    model_s: float
    duration_s: float
    completion_tokens: int
    calls: list[StepCall] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON a trace's `meta["steps"]` holds; the key order is the one traces have always had."""
        return {
            "step": self.step,
            "model_s": self.model_s,
            "calls": [call.to_dict() for call in self.calls],
            "duration_s": self.duration_s,
            "completion_tokens": self.completion_tokens,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Step:
        """Read one record of a trace's `meta["steps"]`; a malformed one raises StepRecordError naming the field."""
        _mapping(data, "step record")
        where = f"step {data.get('step', '?')}"
        calls = _field(data, "calls", list, where)
        return cls(
            step=_field(data, "step", int, where),
            model_s=_field(data, "model_s", (int, float), where),
            duration_s=_field(data, "duration_s", (int, float), where),
            completion_tokens=_field(data, "completion_tokens", int, where),
            calls=[StepCall.from_dict(c, f"{where}, call {i}") for i, c in enumerate(calls)],
        )


def trace_steps(trace: Trace | None) -> list[Step]:
    """The typed step records of a trace (none for no trace, or a trace from outside the loop)."""
    if trace is None:
        return []
    return [Step.from_dict(record) for record in trace.meta.get("steps", [])]
