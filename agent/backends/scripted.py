"""The scripted backend: plays a fixed list of assistant turns.

It is the oracle teacher (turns built from a task's expected calls) and the
test double, and it is a real backend: it streams text deltas, assigns tool
call ids and reports exhaustion like any model would fail. It never looks at
the conversation it is given.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.backends.base import BackendError, BackendEvent, Capabilities, ChatRequest, Completion, TextDelta, Usage
from agent.messages import AssistantMessage, FunctionCall, ToolCall
from agent.validation import first_error

if TYPE_CHECKING:
    from agent.backends import BackendOptions


class ScriptedCall(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    arguments: dict[str, Any] | str = Field(default_factory=dict)

    def wire_arguments(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments  # kept verbatim so scripts can send malformed JSON on purpose
        return json.dumps(self.arguments, ensure_ascii=False)


class ScriptedTurn(BaseModel):
    """One assistant turn: text, tool calls, or both."""

    model_config = ConfigDict(extra="forbid")

    content: str | None = None
    tool_calls: list[ScriptedCall] = Field(default_factory=list)


def _from_openai(turn: dict[str, Any]) -> dict[str, Any]:
    # Accept OpenAI assistant messages too: {"role": "assistant", "tool_calls": [{"function": {...}}]}.
    calls = [c.get("function", c) for c in turn.get("tool_calls") or []]
    return {"content": turn.get("content"), "tool_calls": calls}


def load_script(path: str | Path) -> list[ScriptedTurn]:
    """Read turns from a JSON list or a JSONL file; errors name the file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BackendError(f"{path}: cannot read script: {exc.strerror}") from exc
    stripped = text.lstrip()
    if stripped.startswith("["):
        rows = [(1, row) for row in _loads(path, 1, text)]
    else:
        rows = [(n, _loads(path, n, line)) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    return [_turn(path, n, row) for n, row in rows]


def _loads(path: Path, line: int, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BackendError(f"{path}:{line}: invalid JSON: {exc.msg}") from exc


def _turn(path: Path, line: int, row: Any) -> ScriptedTurn:
    if isinstance(row, str):
        row = {"content": row}
    if isinstance(row, dict) and "role" in row:
        row = _from_openai({k: v for k, v in row.items() if k != "role"})
    try:
        return ScriptedTurn.model_validate(row)
    except ValidationError as exc:
        raise BackendError(f"{path}:{line}: {first_error(exc, 'turn')}") from exc


def _chunks(text: str) -> list[str]:
    return re.findall(r"\S+\s*|\s+", text)


class ScriptedBackend:
    """Plays `turns` in order, one per request."""

    # It plays what it is given: it names no model and hosts no adapters. It ignores tool_choice (the
    # script decides), as a test double and the oracle must.
    capabilities: ClassVar[Capabilities] = Capabilities()

    def __init__(self, turns: Iterable[ScriptedTurn | dict[str, Any] | str], name: str = "scripted") -> None:
        self.turns = [
            t if isinstance(t, ScriptedTurn) else _turn(Path("<script>"), i, t) for i, t in enumerate(turns, 1)
        ]
        self.name = name
        self.played = 0

    def _next(self) -> ScriptedTurn:
        if self.played >= len(self.turns):
            raise BackendError(f"scripted backend: the script has no turn {self.played + 1} ({len(self.turns)} given)")
        self.played += 1
        return self.turns[self.played - 1]

    async def stream(self, request: ChatRequest) -> AsyncIterator[BackendEvent]:
        turn = self._next()
        for piece in _chunks(turn.content or ""):
            yield TextDelta(piece)
        calls = [
            ToolCall(id=f"call_{self.played}_{i}", function=FunctionCall(name=c.name, arguments=c.wire_arguments()))
            for i, c in enumerate(turn.tool_calls)
        ]
        message = AssistantMessage(content=turn.content, tool_calls=calls or None)
        usage = Usage(completion_tokens=len(_chunks(turn.content or "")) + len(calls))
        yield Completion(message, "tool_calls" if calls else "stop", usage, self.name)

    async def aclose(self) -> None:
        return None


def create(options: BackendOptions) -> ScriptedBackend:
    """Entry point: `--backend scripted --script FILE` (it has no options of its own)."""
    if options.backend_options is not None:
        raise BackendError(f"the scripted backend takes no options, not {type(options.backend_options).__name__}")
    if not options.script:
        raise BackendError("the scripted backend needs a script: give --script FILE (JSON list or JSONL of turns)")
    return ScriptedBackend(load_script(options.script))
