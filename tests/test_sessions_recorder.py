"""The turn recorder driven by a real AgentLoop: what reaches the store, and what a cancel leaves behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest

from agent.backends.scripted import ScriptedBackend
from agent.hub.results import ToolOutcome
from agent.loop import AgentLoop, Event, TextDelta, ToolCallFinished, ToolCallStarted
from agent.messages import AssistantMessage, FunctionSpec, Message, ToolMessage, ToolSpec, UserMessage
from agent.sessions.recorder import CANCELLED_CALL, CANCELLED_TEXT, TurnRecorder
from agent.sessions.store import SessionStore

WAIT_S = 30
SPECS = [ToolSpec(function=FunctionSpec(name=name)) for name in ("box__fast", "box__slow")]


class Box:
    """Two tools: `fast` answers at once, `slow` waits for a release that never comes unless asked."""

    def __init__(self) -> None:
        self.release = anyio.Event()

    def specs(self) -> list[ToolSpec]:
        return SPECS

    def needs_approval(self, name: str) -> bool:
        return False

    async def call(self, name: str, arguments: str, progress: Any = None) -> ToolOutcome:
        if name == "box__slow":
            await self.release.wait()
            return ToolOutcome("slow answer")
        return ToolOutcome("fast answer")


def calls(*names: str, content: str | None = None) -> dict[str, Any]:
    return {"content": content, "tool_calls": [{"name": name, "arguments": {}} for name in names]}


@pytest.fixture
def store(tmp_path: Path):
    with SessionStore(tmp_path / "sessions.db") as opened:
        yield opened


async def drive(store: SessionStore, sid: str, history: list[Message], script: list, stop=None) -> TurnRecorder:
    """One turn through a real loop; `stop(event)` true cancels the turn there, as Ctrl+C would."""
    loop = AgentLoop(ScriptedBackend(script), Box())
    recorder = TurnRecorder(store, sid, history)
    recorder.begin([UserMessage(content="go")], SPECS)
    with anyio.fail_after(WAIT_S), anyio.CancelScope() as scope:
        async with loop.stream(recorder.history) as events:
            async for event in events:
                recorder.on_event(event)
                if stop is not None and stop(event):
                    scope.cancel()
    if scope.cancelled_caught:
        recorder.cancel()
    return recorder


def answered(messages: list[Message]) -> bool:
    """Every tool call has its tool message, as a model's next request requires."""
    asked = [c.id for m in messages if isinstance(m, AssistantMessage) for c in m.calls]
    return sorted(asked) == sorted(m.tool_call_id for m in messages if isinstance(m, ToolMessage))


def finished(name: str):
    return lambda event: isinstance(event, ToolCallFinished) and event.call.name == name


@pytest.mark.anyio
async def test_a_cancel_after_one_tool_answered_keeps_its_answer_and_closes_the_other_call(store):
    sid = store.create(backend="scripted", model="m")
    script = [calls("box__fast", "box__slow", content="Both.")]
    recorder = await drive(store, sid, [], script, stop=finished("box__fast"))
    stored = store.messages(sid)
    assert [m.role for m in stored] == ["user", "assistant", "tool", "tool"] and answered(stored)
    assert [m.content for m in stored[2:]] == ["fast answer", CANCELLED_CALL]
    assert stored[1].content == "Both." and recorder.history == stored
    [turn] = store.turns(sid)
    assert (turn.outcome, turn.steps, turn.error) == ("cancelled", 1, "cancelled by the user")
    assert turn.duration_s is not None and turn.duration_s >= 0


@pytest.mark.anyio
async def test_a_cancel_while_text_streams_stores_the_text_so_far_marked_cancelled(store):
    sid = store.create(backend="scripted", model="m")
    stop = lambda event: isinstance(event, TextDelta)  # noqa: E731
    await drive(store, sid, [], ["Once upon a time there was a very long story."], stop=stop)
    user, assistant = store.messages(sid)
    assert assistant.content == "Once" + CANCELLED_TEXT  # only the delta seen before the cancel
    assert store.turns(sid)[0].outcome == "cancelled"


@pytest.mark.anyio
async def test_a_cancel_before_the_model_said_anything_answers_the_question_with_a_marker(store):
    sid = store.create(backend="scripted", model="m")
    recorder = TurnRecorder(store, sid, [])
    recorder.begin([UserMessage(content="hello")], SPECS)
    recorder.cancel(reason="stopped by a test")
    # Roles must alternate: the next turn's question must not follow this one directly.
    assert [(m.role, m.content) for m in store.messages(sid)] == [("user", "hello"), ("assistant", "[cancelled]")]
    assert recorder.history == store.messages(sid)
    assert store.turns(sid)[0].outcome == "cancelled"


@pytest.mark.anyio
async def test_a_turn_that_fails_before_any_output_is_answered_with_an_error_marker(store):
    sid = store.create(backend="scripted", model="m")
    await drive(store, sid, [], [])  # the script has no turn: the backend fails at once
    assert [(m.role, m.content) for m in store.messages(sid)] == [("user", "go"), ("assistant", "[no answer: error]")]


@pytest.mark.anyio
async def test_the_cancel_reason_is_what_unanswered_calls_and_the_turn_record_say(store):
    sid = store.create(backend="scripted", model="m")
    recorder = TurnRecorder(store, sid, [])
    recorder.begin([UserMessage(content="go")], SPECS)
    loop = AgentLoop(ScriptedBackend([calls("box__slow")]), Box())
    with anyio.fail_after(WAIT_S), anyio.CancelScope() as scope:
        async with loop.stream(recorder.history) as events:
            async for event in events:
                recorder.on_event(event)
                if isinstance(event, ToolCallStarted):
                    scope.cancel()
    recorder.cancel(reason="the run timed out")
    assert store.messages(sid)[-1].content == "Error: the run timed out before the tool answered."
    assert store.turns(sid)[0].error == "the run timed out"


@pytest.mark.anyio
async def test_the_next_turn_continues_from_a_cancelled_one_and_the_model_sees_a_consistent_history(store):
    sid = store.create(backend="scripted", model="m")
    first = await drive(store, sid, [], [calls("box__slow")], stop=lambda e: isinstance(e, ToolCallStarted))
    seen: list[list[Message]] = []

    class Watching(ScriptedBackend):
        async def stream(self, request):
            seen.append(list(request.messages))
            async for event in super().stream(request):
                yield event

    recorder = TurnRecorder(store, sid, first.history)
    recorder.begin([UserMessage(content="never mind")], SPECS)
    with anyio.fail_after(WAIT_S):
        async with AgentLoop(Watching(["Fine."]), Box()).stream(recorder.history) as events:
            async for event in events:
                recorder.on_event(event)
    assert answered(seen[0]) and [m.role for m in seen[0]] == ["user", "assistant", "tool", "user"]
    assert store.messages(sid) == recorder.history and recorder.history[-1].content == "Fine."
    assert [t.outcome for t in store.turns(sid)] == ["cancelled", "final"]


@pytest.mark.anyio
async def test_a_failed_run_ends_the_turn_as_an_error_with_its_message_and_cancel_after_it_changes_nothing(store):
    sid = store.create(backend="scripted", model="m")
    recorder = await drive(store, sid, [], [])  # an empty script: the backend fails on the first request
    recorder.cancel()
    [turn] = store.turns(sid)
    assert turn.outcome == "error" and "no turn 1" in (turn.error or "")
    assert [m.role for m in store.messages(sid)] == ["user", "assistant"]  # the error marker, stored once


@pytest.mark.anyio
async def test_steps_after_a_step_end_are_tracked_afresh(store):
    sid = store.create(backend="scripted", model="m")
    script = [calls("box__fast", content="Step one."), "Step two is long enough to be cut."]
    stop = lambda event: isinstance(event, TextDelta) and event.step == 2  # noqa: E731
    await drive(store, sid, [], script, stop=stop)
    stored = store.messages(sid)
    assert [m.role for m in stored] == ["user", "assistant", "tool", "assistant"] and answered(stored)
    assert stored[1].content == "Step one." and stored[-1].content == "Step" + CANCELLED_TEXT
    assert store.turns(sid)[0].steps == 2


def test_events_the_recorder_does_not_store_are_ignored(store):
    sid = store.create(backend="scripted", model="m")
    recorder = TurnRecorder(store, sid, [])
    recorder.begin([UserMessage(content="hi")], SPECS)
    recorder.on_event(Event())
    assert recorder.history == [UserMessage(content="hi")] and store.turns(sid)[0].outcome == "running"
