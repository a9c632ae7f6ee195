"""The agent loop: model turn, concurrent tool calls, repeat, until a final answer.

It streams typed events, records a trace of every run, asks an approver
before tools the toolbox flags and stops a model that repeats itself. It knows the
backend and toolbox only through their protocols: nothing of MCP transports,
model weights, or the terminal.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from agent.backends.base import Backend, BackendError, ChatRequest, Completion, ToolChoice
from agent.backends.base import TextDelta as ModelDelta
from agent.errors import LooptuneError
from agent.hub.results import ToolOutcome
from agent.loop.breaker import LoopBreaker
from agent.loop.events import (
    Event,
    Final,
    Notice,
    RunError,
    StepEnd,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    ToolProgress,
)
from agent.loop.steps import Step, StepCall
from agent.messages import Message, SystemMessage, ToolCall, ToolMessage, ToolSpec, Trace
from agent.shortlist import DEFAULT_METHOD, shortlisted

Approver = Callable[[ToolCall], Awaitable[bool]]
DECLINED = "Error: the user declined this call. Do not retry it; ask the user or continue without it."


@asynccontextmanager
async def _closing(stream: AsyncIterator[Any]) -> AsyncIterator[AsyncIterator[Any]]:
    """`contextlib.aclosing` for any async iterator (one without `aclose` has nothing to close)."""
    try:
        yield stream
    finally:
        close = getattr(stream, "aclose", None)
        if close is not None:
            await close()


class Toolbox(Protocol):
    """What the loop needs of the tools (the MCP hub is one)."""

    def specs(self) -> list[ToolSpec]: ...

    def needs_approval(self, name: str) -> bool: ...

    async def call(self, name: str, arguments: str, progress: Any = None) -> ToolOutcome: ...


@dataclass
class LoopConfig:
    max_steps: int = 16
    repeat_limit: int = 3
    system_prompt: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    seed: int | None = None
    # Applies to the first step only ("required" forces a tool call there); later steps are free.
    first_tool_choice: ToolChoice | None = None
    # Show the model only the k tools most relevant to the conversation (0: every mounted tool); chosen
    # once per run, at its first model turn, by agent.shortlist (the same code serve and training use).
    shortlist_k: int = 0
    shortlist_method: str = DEFAULT_METHOD


def visible_tools(config: LoopConfig, messages: Sequence[Message], mounted: Sequence[ToolSpec]) -> list[ToolSpec]:
    """The tools a run of `config` over `messages` will show the model (what a session records for the turn)."""
    return shortlisted(messages, mounted, config.shortlist_k, config.shortlist_method)


class LoopStop(LooptuneError):
    """The run ends without a final answer; the message says why."""


@dataclass
class RunResult:
    """Every event of one run, with shortcuts to what callers usually want."""

    events: list[Event] = field(default_factory=list)

    @property
    def final(self) -> Final | None:
        return next((e for e in self.events if isinstance(e, Final)), None)

    @property
    def error(self) -> str | None:
        return next((e.message for e in self.events if isinstance(e, RunError)), None)

    @property
    def trace(self) -> Trace | None:
        last = self.events[-1] if self.events else None
        return getattr(last, "trace", None)


class AgentLoop:
    """Drives one backend against one toolbox."""

    def __init__(
        self,
        backend: Backend,
        toolbox: Toolbox,
        config: LoopConfig | None = None,
        approver: Approver | None = None,
    ) -> None:
        self.backend, self.toolbox = backend, toolbox
        self.config = config or LoopConfig()
        self.approver = approver

    @asynccontextmanager
    async def stream(self, messages: Sequence[Message]) -> AsyncIterator[MemoryObjectReceiveStream[Event]]:
        """Run the loop in the background; leaving the block cancels it (and its tool calls)."""
        send, receive = anyio.create_memory_object_stream[Event](256)
        async with anyio.create_task_group() as tg:
            tg.start_soon(_Run(self, messages, send).execute)
            try:
                async with receive:
                    yield receive
            finally:
                tg.cancel_scope.cancel()

    async def run(self, messages: Sequence[Message]) -> RunResult:
        """Run to the end and return every event."""
        result = RunResult()
        async with self.stream(messages) as events:
            async for event in events:
                result.events.append(event)
        return result


class _Run:
    """The state of one run: its messages, breaker, timings and event sink."""

    def __init__(self, loop: AgentLoop, messages: Sequence[Message], send: MemoryObjectSendStream[Event]) -> None:
        self.loop, self.config, self.send = loop, loop.config, send
        self.messages: list[Message] = list(messages)
        if self.config.system_prompt and not (self.messages and isinstance(self.messages[0], SystemMessage)):
            self.messages.insert(0, SystemMessage(content=self.config.system_prompt))
        self.breaker = LoopBreaker(self.config.repeat_limit)
        self.tools: list[ToolSpec] = []
        self.chosen: set[str] | None = None  # the shortlisted tool names, fixed at the first model turn
        self.mounted = 0
        self.steps: list[Step] = []
        self.started, self.clock = datetime.now(UTC), time.perf_counter()
        self.approval_lock = anyio.Lock()

    async def execute(self) -> None:
        async with self.send:
            try:
                await self._steps()
            except (LoopStop, BackendError) as exc:
                await self.send.send(RunError(str(exc), self.trace("error", str(exc))))

    async def _steps(self) -> None:
        for step in range(1, self.config.max_steps + 1):
            began = time.perf_counter()
            first = len(self.messages)
            done = await self._model_turn(step)
            model_s = time.perf_counter() - began
            self.messages.append(done.message)
            for notice in done.notices:
                await self.send.send(Notice(step, notice))
            calls = await self._run_calls(step, done.message.calls, done.parse_errors) if done.message.calls else []
            await self._end_step(step, round(model_s, 4), calls, began, done, self.messages[first:])
            if not done.message.calls:
                await self.send.send(Final(done.message.text, step, self.trace("final")))
                return
            if self.breaker.tripped:
                raise LoopStop("stopped: the model kept repeating an identical tool call after being told")
        raise LoopStop(f"stopped after max_steps={self.config.max_steps} steps without a final answer")

    async def _end_step(
        self, step: int, model_s: float, calls: list[StepCall], began: float, done: Completion, added: list[Message]
    ) -> None:
        tokens = done.usage.completion_tokens if done.usage else 0
        duration_s = round(time.perf_counter() - began, 4)
        record = Step(step=step, model_s=model_s, duration_s=duration_s, completion_tokens=tokens, calls=calls)
        self.steps.append(record)
        await self.send.send(StepEnd(step, record.duration_s, record.model_s, tokens, added))

    def _visible_tools(self) -> list[ToolSpec]:
        """The tools this turn lists: all mounted ones, or the run's shortlist of them."""
        mounted = self.loop.toolbox.specs()
        self.mounted = len(mounted)
        if self.config.shortlist_k <= 0:
            return mounted
        if self.chosen is None:
            chosen = shortlisted(self.messages, mounted, self.config.shortlist_k, self.config.shortlist_method)
            self.chosen = {spec.name for spec in chosen}
        return [spec for spec in mounted if spec.name in self.chosen]

    async def _model_turn(self, step: int) -> Completion:
        self.tools = self._visible_tools()
        request = ChatRequest(
            messages=list(self.messages),
            tools=self.tools,
            temperature=self.config.temperature,
            max_tokens=self.config.max_tokens,
            seed=self.config.seed,
            tool_choice=self.config.first_tool_choice if step == 1 else None,
        )
        # Closed here, in this task, however the turn ends: a stream left to the garbage collector is
        # finalized in another task, and a cancelled run must not leave the backend mid-turn until then.
        async with _closing(self.loop.backend.stream(request)) as events:
            async for event in events:
                if isinstance(event, ModelDelta):
                    await self.send.send(TextDelta(step, event.text))
                else:
                    return event
        raise BackendError(f"backend {self.loop.backend.name!r} ended its turn without a completion")

    async def _run_calls(self, step: int, calls: list[ToolCall], unparsed: dict[str, str]) -> list[StepCall]:
        toolbox = self.loop.toolbox
        for call in calls:
            await self.send.send(ToolCallStarted(step, call, toolbox.needs_approval(call.name)))
        outcomes: list[ToolOutcome | None] = [None] * len(calls)
        async with anyio.create_task_group() as tg:
            for index, call in enumerate(calls):
                tg.start_soon(self._one_call, step, call, outcomes, index, unparsed.get(call.id))
        records = []
        for call, outcome in zip(calls, outcomes, strict=True):
            assert outcome is not None
            self.messages.append(ToolMessage(tool_call_id=call.id, content=outcome.text))
            records.append(StepCall(call.id, call.name, round(outcome.duration_s, 4), outcome.is_error))
        return records

    async def _one_call(
        self, step: int, call: ToolCall, outcomes: list[ToolOutcome | None], index: int, unparsed: str | None
    ) -> None:
        outcome = self._unparsed(call, unparsed) if unparsed else await self._outcome(step, call)
        outcomes[index] = outcome
        await self.send.send(ToolCallFinished(step, call, outcome))

    def _unparsed(self, call: ToolCall, reason: str) -> ToolOutcome:
        # Greedy decoding writes the same broken call again after the same error: counted like any
        # repeat, so a model stuck in a degenerate call stops after a few steps, not at max_steps.
        refusal = self.breaker.check(call)
        return ToolOutcome(refusal or f"Error: {reason}", is_error=True)

    async def _outcome(self, step: int, call: ToolCall) -> ToolOutcome:
        refusal = self.breaker.check(call)
        if refusal is not None:
            return ToolOutcome(refusal, is_error=True)
        if not await self._approved(call):
            return ToolOutcome(DECLINED, is_error=True)

        async def progress(value: float, total: float | None, message: str | None) -> None:
            await self.send.send(ToolProgress(step, call.id, value, total, message))

        try:
            return await self.loop.toolbox.call(call.name, call.function.arguments, progress)
        except Exception as exc:  # noqa: BLE001 - a toolbox bug must not end the run without its trace
            return ToolOutcome(f"Error: {call.name} failed: {type(exc).__name__}: {exc}", is_error=True)

    async def _approved(self, call: ToolCall) -> bool:
        if self.loop.approver is None or not self.loop.toolbox.needs_approval(call.name):
            return True
        async with self.approval_lock:  # one question at a time, even for parallel calls
            return await self.loop.approver(call)

    def trace(self, outcome: str, error: str | None = None) -> Trace:
        """The run so far as a trace (DESIGN.md shape, timings in meta)."""
        meta: dict[str, Any] = {
            "backend": self.loop.backend.name,
            "outcome": outcome,
            "started_at": self.started.isoformat(),
            "duration_s": round(time.perf_counter() - self.clock, 4),
            "steps": [record.to_dict() for record in self.steps],
        }
        if error:
            meta["error"] = error
        if self.config.shortlist_k > 0:
            meta["shortlist"] = {
                "k": self.config.shortlist_k,
                "method": self.config.shortlist_method,
                "mounted": self.mounted,
                "tools": [spec.name for spec in self.tools],
            }
        return Trace(messages=list(self.messages), tools=self.tools, meta=meta)
