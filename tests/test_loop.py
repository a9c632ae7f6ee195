"""The agent loop with the scripted backend, against the real toy server or a real in-test toolbox."""

from __future__ import annotations

import anyio
import pytest

from agent.backends.base import Completion
from agent.backends.scripted import ScriptedBackend
from agent.hub import Hub, ToolOutcome
from agent.loop import (
    AgentLoop,
    Final,
    LoopConfig,
    RunError,
    StepEnd,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    ToolProgress,
)
from agent.loop.loop import DECLINED
from agent.messages import AssistantMessage, FunctionCall, FunctionSpec, ToolCall, ToolMessage, ToolSpec, UserMessage
from tests.conftest import toy_config

pytestmark = pytest.mark.anyio
ASK = [UserMessage(content="go")]


def call(tool: str, **arguments) -> dict:
    return {"tool_calls": [{"name": tool, "arguments": arguments}]}


async def run_toy(turns, config: LoopConfig | None = None, approver=None):
    async with Hub({"toy": toy_config()}) as hub:
        return await AgentLoop(ScriptedBackend(turns), hub, config, approver).run(ASK)


async def test_a_tool_call_then_an_answer_streams_events_in_order_and_records_a_trace():
    with anyio.fail_after(30):
        result = await run_toy([call("toy__add", a=1, b=2), {"content": "The sum is 3."}])
    kinds = [type(e) for e in result.events]
    assert kinds[:3] == [ToolCallStarted, ToolCallFinished, StepEnd]
    assert kinds[-1] is Final and TextDelta in kinds
    assert result.final.content == "The sum is 3." and result.final.steps == 2
    trace = result.trace
    assert [m.role for m in trace.messages] == ["user", "assistant", "tool", "assistant"]
    assert trace.messages[2].content == "3.0"
    assert "toy__add" in [t.name for t in trace.tools]
    step1 = trace.meta["steps"][0]
    assert step1["calls"][0]["name"] == "toy__add" and step1["calls"][0]["duration_s"] > 0
    assert trace.meta["outcome"] == "final" and trace.meta["backend"] == "scripted"


async def test_a_system_prompt_is_prepended_once():
    with anyio.fail_after(30):
        result = await run_toy([{"content": "hi"}], LoopConfig(system_prompt="Be brief."))
    assert [m.role for m in result.trace.messages] == ["system", "user", "assistant"]


async def test_an_unknown_tool_and_bad_arguments_go_back_to_the_model_and_the_loop_continues():
    turns = [
        call("toy__nope"),
        {"tool_calls": [{"name": "toy__echo", "arguments": "{not json"}]},
        call("toy__echo", text=5),
        {"content": "recovered"},
    ]
    with anyio.fail_after(30):
        result = await run_toy(turns)
    errors = [e.outcome.text for e in result.events if isinstance(e, ToolCallFinished)]
    assert "unknown tool 'toy__nope'" in errors[0]
    assert "not valid JSON" in errors[1]
    assert "argument 'text'" in errors[2]
    assert result.final.content == "recovered"


async def test_the_run_stops_at_max_steps_with_a_reason():
    turns = [call("toy__echo", text=str(i)) for i in range(5)]
    with anyio.fail_after(30):
        result = await run_toy(turns, LoopConfig(max_steps=3))
    assert result.final is None
    assert result.error == "stopped after max_steps=3 steps without a final answer"
    assert result.trace.meta["outcome"] == "error"


async def test_an_identical_repeated_call_is_refused_and_then_the_run_stops():
    turns = [call("toy__echo", text="same")] * 5
    with anyio.fail_after(30):
        result = await run_toy(turns)
    outcomes = [e.outcome for e in result.events if isinstance(e, ToolCallFinished)]
    assert [o.is_error for o in outcomes] == [False, False, True, True]
    assert "refused" in outcomes[2].text and "3 times" in outcomes[2].text
    assert "kept repeating" in result.error


class BrokenCalls:
    """A backend whose every turn is the same unparseable call (as a looping greedy model writes it)."""

    name = "broken"

    async def stream(self, request):
        call = ToolCall(id=f"c{len(request.messages)}", function=FunctionCall(name="invalid_tool_call", arguments="{"))
        yield Completion(AssistantMessage(tool_calls=[call]), parse_errors={call.id: "unclosed <tool_call>"})

    async def aclose(self) -> None:
        pass


async def test_an_identical_unparseable_call_trips_the_breaker_like_any_repeat():
    with anyio.fail_after(30):
        async with Hub({"toy": toy_config()}) as hub:
            result = await AgentLoop(BrokenCalls(), hub, LoopConfig(max_steps=10)).run(ASK)
    outcomes = [e.outcome.text for e in result.events if isinstance(e, ToolCallFinished)]
    assert outcomes[:2] == ["Error: unclosed <tool_call>"] * 2
    assert "refused" in outcomes[2] and len(outcomes) == 4
    assert "kept repeating" in result.error


async def test_a_declined_destructive_call_tells_the_model_and_safe_calls_are_not_asked():
    asked = []

    async def approver(tool_call):
        asked.append(tool_call.name)
        return False

    turns = [call("toy__echo", text="safe"), call("toy__delete_thing", name="db"), {"content": "ok, not deleted"}]
    with anyio.fail_after(30):
        result = await run_toy(turns, approver=approver)
    finished = [e for e in result.events if isinstance(e, ToolCallFinished)]
    assert asked == ["toy__delete_thing"]
    assert finished[1].outcome.text == DECLINED
    assert result.final.content == "ok, not deleted"


async def test_progress_notifications_become_loop_events():
    with anyio.fail_after(30):
        result = await run_toy([call("toy__progress", steps=2), {"content": "done"}])
    progress = [e for e in result.events if isinstance(e, ToolProgress)]
    assert [(p.progress, p.total) for p in progress] == [(1, 2), (2, 2)]


async def test_an_exhausted_script_ends_the_run_with_a_clear_error():
    with anyio.fail_after(30):
        result = await run_toy([call("toy__echo", text="x")])
    assert result.error == "scripted backend: the script has no turn 2 (1 given)"


class BrokenToolbox:
    """A toolbox with a bug: its call raises instead of returning an outcome."""

    def specs(self) -> list[ToolSpec]:
        return [ToolSpec(function=FunctionSpec(name="buggy"))]

    def needs_approval(self, name: str) -> bool:
        return False

    async def call(self, name: str, arguments: str, progress=None) -> ToolOutcome:
        raise KeyError("lost state")


async def test_a_toolbox_that_raises_gives_the_model_an_error_and_the_run_keeps_its_trace():
    turns = [{"tool_calls": [{"name": "buggy"}]}, {"content": "sorry"}]
    with anyio.fail_after(5):
        result = await AgentLoop(ScriptedBackend(turns), BrokenToolbox()).run(ASK)
    finished = [e for e in result.events if isinstance(e, ToolCallFinished)]
    assert finished[0].outcome.is_error and finished[0].outcome.text == "Error: buggy failed: KeyError: 'lost state'"
    assert result.final.content == "sorry" and result.trace.messages[-2].content.startswith("Error: buggy failed")


class RendezvousToolbox:
    """A real toolbox whose two tools can only finish if they run at the same time."""

    def __init__(self) -> None:
        self.arrived = {"left": anyio.Event(), "right": anyio.Event()}
        self.cancelled: list[str] = []

    def specs(self) -> list[ToolSpec]:
        return [ToolSpec(function=FunctionSpec(name=n)) for n in ("left", "right", "forever")]

    def needs_approval(self, name: str) -> bool:
        return False

    async def call(self, name: str, arguments: str, progress=None) -> ToolOutcome:
        if name == "forever":
            try:
                await anyio.sleep_forever()
            except anyio.get_cancelled_exc_class():
                self.cancelled.append(name)
                raise
        self.arrived[name].set()
        other = "right" if name == "left" else "left"
        await self.arrived[other].wait()
        return ToolOutcome(f"{name} met {other}")


async def test_the_calls_of_one_step_run_concurrently():
    turns = [{"tool_calls": [{"name": "left"}, {"name": "right"}]}, {"content": "both met"}]
    with anyio.fail_after(5):  # sequential dispatch would deadlock here
        result = await AgentLoop(ScriptedBackend(turns), RendezvousToolbox()).run(ASK)
    tool_messages = [m for m in result.trace.messages if isinstance(m, ToolMessage)]
    assert [m.content for m in tool_messages] == ["left met right", "right met left"]
    assert [m.tool_call_id for m in tool_messages] == ["call_1_0", "call_1_1"]


async def test_leaving_the_stream_cancels_the_tool_call_in_flight():
    toolbox = RendezvousToolbox()
    loop = AgentLoop(ScriptedBackend([{"tool_calls": [{"name": "forever"}]}]), toolbox)
    with anyio.fail_after(5):
        async with loop.stream(ASK) as events:
            async for event in events:
                if isinstance(event, ToolCallStarted):
                    await anyio.wait_all_tasks_blocked()
                    break
    assert toolbox.cancelled == ["forever"]


async def test_cancelling_a_run_cancels_the_mcp_call_and_the_hub_keeps_serving():
    with anyio.fail_after(30):
        async with Hub({"toy": toy_config()}) as hub:
            loop = AgentLoop(ScriptedBackend([call("toy__hang")]), hub)
            with anyio.move_on_after(0.5):
                await loop.run(ASK)
            after = await hub.call("toy__echo", {"text": "still here"})
    assert after.text == "still here"


async def test_a_run_error_event_carries_the_trace_so_far():
    with anyio.fail_after(30):
        result = await run_toy([call("toy__echo", text="x")])
    error = next(e for e in result.events if isinstance(e, RunError))
    assert [m.role for m in error.trace.messages] == ["user", "assistant", "tool"]


async def test_a_server_crash_mid_run_is_told_to_the_model_and_the_run_finishes():
    turns = [call("toy__crash"), call("toy__echo", text="after restart"), {"content": "recovered"}]
    with anyio.fail_after(30):
        result = await run_toy(turns)
    finished = [e.outcome for e in result.events if isinstance(e, ToolCallFinished)]
    assert finished[0].is_error and "closed the connection" in finished[0].text
    assert finished[1].text == "after restart"
    assert result.final.content == "recovered"
