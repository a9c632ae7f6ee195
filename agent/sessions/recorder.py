"""Loop events -> stored turns: each step is written when it ends; a cancelled turn is closed consistently.

The recorder keeps the conversation (`history`) the next turn continues
from. It knows loop events and the store; nothing of the terminal.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from agent.hub.results import ToolOutcome
from agent.loop import Event, Final, RunError, StepEnd, TextDelta, ToolCallFinished, ToolCallStarted
from agent.messages import AssistantMessage, Message, ToolCall, ToolMessage, ToolSpec
from agent.sessions.store import SessionStore

CANCELLED = "cancelled by the user"
CANCELLED_CALL = f"Error: {CANCELLED} before the tool answered."
CANCELLED_TEXT = " [cancelled]"


@dataclass
class _Step:
    """What the step in flight has shown so far (lost from the store if the turn is cancelled)."""

    text: str = ""
    calls: list[ToolCall] = field(default_factory=list)
    outcomes: dict[str, ToolOutcome] = field(default_factory=dict)

    def messages(self, reason: str = CANCELLED) -> list[Message]:
        """The step as messages a model can continue from: every call gets an answer."""
        if not self.calls:
            return [AssistantMessage(content=self.text.rstrip() + CANCELLED_TEXT)] if self.text else []
        out: list[Message] = [AssistantMessage(content=self.text or None, tool_calls=list(self.calls))]
        unanswered = f"Error: {reason} before the tool answered."
        for call in self.calls:
            done = self.outcomes.get(call.id)
            out.append(ToolMessage(tool_call_id=call.id, content=done.text if done else unanswered))
        return out


class TurnRecorder:
    """Writes one turn of a session to the store as its events arrive."""

    def __init__(self, store: SessionStore, session_id: str, history: list[Message]) -> None:
        self.store, self.session_id = store, session_id
        self.history: list[Message] = list(history)
        self.turn = 0
        self.step = _Step()
        self.tools: list[ToolSpec] = []
        self.ended = False
        self._clock = time.perf_counter()

    def begin(self, messages: list[Message], tools: list[ToolSpec]) -> None:
        """Open the turn with its new messages (a user message, maybe a system prompt first)."""
        self.tools = list(tools)
        self.turn = self.store.begin_turn(self.session_id, messages, self.tools)
        self.history.extend(messages)
        self._clock = time.perf_counter()

    def on_event(self, event: Event) -> None:
        """Track the step in flight; store it when it ends, and the turn when it ends."""
        if isinstance(event, TextDelta):
            self.step.text += event.text
        elif isinstance(event, ToolCallStarted):
            self.step.calls.append(event.call)
        elif isinstance(event, ToolCallFinished):
            self.step.outcomes[event.call.id] = event.outcome
        elif isinstance(event, StepEnd):
            self._store_step(event.messages)
        elif isinstance(event, Final):
            self._end("final")
        elif isinstance(event, RunError):
            self._answer_open_question("[no answer: error]")
            self._end("error", event.message)

    def cancel(self, reason: str = CANCELLED) -> None:
        """Close a turn cut short: the step in flight is kept as far as it got."""
        if self.ended:
            return
        if messages := self.step.messages(reason):
            self._store_step(messages)
        self._answer_open_question(CANCELLED_TEXT.strip())
        self._end("cancelled", reason)

    def _answer_open_question(self, marker: str) -> None:
        # A turn that ends before any model output would leave two user messages in a row next turn,
        # which chat templates and fine-tuning APIs refuse.
        if self.history and self.history[-1].role == "user":
            self._store_step([AssistantMessage(content=marker)])

    def _store_step(self, messages: list[Message]) -> None:
        self.store.add_messages(self.session_id, self.turn, messages)
        self.history.extend(messages)
        self.step = _Step()

    def _end(self, outcome: str, error: str | None = None) -> None:
        duration = round(time.perf_counter() - self._clock, 4)
        self.store.end_turn(self.session_id, self.turn, outcome, error=error, duration_s=duration)
        self.ended = True
