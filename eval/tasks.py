"""The task format (DESIGN.md "Task JSONL"): one task per line, unknown keys rejected.

A task names the servers an episode mounts, the hidden setup calls, the
conversation so far, the reference plan (`expected_calls`, optional: a task
may be scored by its checks alone, as tau-bench does), a reference answer and
the checks that decide completion. This module only parses and writes
tasks; it knows nothing of how an episode runs or how checks are evaluated.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from agent.errors import USAGE, LooptuneError
from agent.fsutil import atomic_write_text
from agent.messages import Message, parse_messages
from agent.validation import first_error

Category = Literal["single_tool", "multi_step", "error_handling", "context", "no_tool"]


class TaskError(LooptuneError, ValueError):
    """A task file or line that cannot be used; the message names the file and line."""

    exit_code = USAGE


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ToolUse(Strict):
    """A call by tool name (`server__tool`) with JSON arguments."""

    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class SetupCall(Strict):
    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class AnswerContains(Strict):
    type: Literal["answer_contains"]
    value: str


class AnswerRegex(Strict):
    type: Literal["answer_regex"]
    pattern: str


class StateCheck(Strict):
    type: Literal["state"]
    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    contains: str | None = None
    equals: str | None = None

    @model_validator(mode="after")
    def _one_expectation(self) -> StateCheck:
        if (self.contains is None) == (self.equals is None):
            raise ValueError("a state check needs exactly one of 'contains' or 'equals'")
        return self


class NoToolCalls(Strict):
    type: Literal["no_tool_calls"]


class Called(Strict):
    """The tool was called; with `arguments`, at least one call matched them (DESIGN's matching rules)."""

    type: Literal["called"]
    tool: str
    arguments: dict[str, Any] | None = None


class NotCalled(Strict):
    type: Literal["not_called"]
    tool: str


Check = Annotated[
    AnswerContains | AnswerRegex | StateCheck | NoToolCalls | Called | NotCalled,
    Field(discriminator="type"),
]


class Task(Strict):
    id: str = Field(min_length=1)
    category: Category
    servers: list[str] = Field(default_factory=list)
    setup: list[SetupCall] = Field(default_factory=list)
    messages: list[Message] = Field(min_length=1)
    now: datetime | None = None
    # None: the task states no plan (outcome-only), so selection and arguments are not scored.
    expected_calls: list[ToolUse] | None = None
    reference_answer: str = ""
    checks: list[Check] = Field(min_length=1)
    # Where the task came from (family, template, split, seed): never shown to the model.
    meta: dict[str, Any] = Field(default_factory=dict)

    @property
    def plan(self) -> list[ToolUse] | None:
        """The calls the task expects: as stated; none for a no_tool task; None for an outcome-only task."""
        if self.expected_calls is not None:
            return self.expected_calls
        return [] if self.category == "no_tool" else None

    @field_validator("messages", mode="before")
    @classmethod
    def _messages(cls, value: Any) -> Any:
        return parse_messages(value) if isinstance(value, list) else value

    def to_json_line(self) -> str:
        """The task as one JSON line (wire shapes, no unset optional fields)."""
        data = self.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
        data["messages"] = [m.to_wire() for m in self.messages]
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def parse_task(text: str, where: str = "<task>") -> Task:
    """One task from a JSON line; errors start with `where`."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TaskError(f"{where}: invalid JSON: {exc.msg} (column {exc.colno})") from exc
    if not isinstance(data, dict):
        raise TaskError(f"{where}: a task must be a JSON object, got {type(data).__name__}")
    try:
        return Task.model_validate(data)
    except ValidationError as exc:
        raise TaskError(f"{where}: {first_error(exc, 'task')}") from exc


def load_tasks(path: str | os.PathLike[str]) -> list[Task]:
    """Every task of a JSONL file; the first bad line raises TaskError naming `file:line`."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise TaskError(f"{path}: cannot read tasks: {exc.strerror or exc}") from exc
    tasks = [parse_task(line, f"{path}:{n}") for n, line in enumerate(lines, 1) if line.strip()]
    _unique_ids(path, tasks)
    return tasks


def _unique_ids(path: Path, tasks: list[Task]) -> None:
    seen: set[str] = set()
    for task in tasks:
        if task.id in seen:
            raise TaskError(f"{path}: duplicate task id {task.id!r}")
        seen.add(task.id)


def write_tasks(path: str | os.PathLike[str], tasks: Iterable[Task]) -> int:
    """Write tasks as JSONL atomically (temp file, then rename); returns the count."""
    lines = [task.to_json_line() for task in tasks]
    atomic_write_text(Path(path), "".join(line + "\n" for line in lines))
    return len(lines)
