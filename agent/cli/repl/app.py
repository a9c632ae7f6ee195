"""The chat: read a line, run a slash command or an agent turn, repeat.

`Chat` owns the conversation (history and its stored session), the
approval policy and the view; turns run the shared `AgentLoop` and can be
cancelled with Ctrl+C (the model's decoding and in-flight MCP calls stop;
the turn is stored as cancelled and the chat goes on). It knows the hub and
backend only as the loop and the commands use them.
"""

from __future__ import annotations

import argparse
import signal
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import anyio
from rich.console import Console
from rich.text import Text

from agent.backends import Backend
from agent.cli.agent_setup import model_name
from agent.cli.repl import builtin  # noqa: F401 - registers the built-in slash commands
from agent.cli.repl.approvals import Approvals
from agent.cli.repl.attach import with_attachments
from agent.cli.repl.commands import CommandError, EndChat, dispatch
from agent.cli.repl.io import ChatIO
from agent.cli.repl.render import RichRenderer, TurnStats
from agent.cli.repl.transcript import print_transcript
from agent.cli.repl.view import PlainView
from agent.hub import Hub
from agent.hub.errors import leaf
from agent.loop import AgentLoop, Event, Final, RunError, StepEnd
from agent.loop.loop import visible_tools
from agent.messages import Message, SystemMessage, UserMessage
from agent.sessions.recorder import TurnRecorder
from agent.sessions.store import SessionStore


class Chat:
    """One interactive conversation over a loop, a hub and a session store."""

    def __init__(
        self,
        args: argparse.Namespace,
        loop: AgentLoop,
        hub: Hub,
        io: ChatIO,
        view: RichRenderer | PlainView,
        console: Console,
        store: SessionStore,
    ) -> None:
        self.args, self.loop, self.hub, self.io, self.console, self.store = args, loop, hub, io, console, store
        self.view = view
        self.approvals = Approvals(io, self.view, console, enabled=not args.yes)
        loop.approver = self.approvals
        self.session_id: str | None = None
        self.history: list[Message] = []
        self.steps = 0
        self.last = TurnStats()
        self._scopes: list[anyio.CancelScope] = []
        self.completer: Any = None  # set by the terminal front end, told when servers change
        self.shortlisted: list[str] | None = None  # the tools the model was shown last turn (None: all)

    # -- what commands use ------------------------------------------------------

    @property
    def backend(self) -> Backend:
        return self.loop.backend

    def set_backend(self, backend: Backend) -> None:
        """Swap the model for the next turn (servers that sample use it too)."""
        self.loop.backend = backend
        sampler = getattr(self.hub, "sampler", None)
        if sampler is not None:
            sampler.backend = backend

    def reset(self) -> None:
        """Start a new conversation (a new session is stored from its first turn)."""
        self.session_id, self.history = None, []

    def resume(self, session_id: str) -> None:
        """Continue a stored session: its messages become the history, and are shown."""
        self.session_id = session_id
        self.history = self.store.messages(self.session_id)
        info = self.store.info(self.session_id)
        self.console.print(Text(f"resuming session {info.id}: {info.title or '(untitled)'}", style="bold"))
        turns = print_transcript(self.console, self.history)
        self.console.print(Text(f"─ {turns} earlier turn{'s' * (turns != 1)}", style="dim"))

    def error(self, message: str) -> None:
        self.console.print(Text(message, style="red"))

    # -- the read / act loop ------------------------------------------------------

    async def run(self) -> None:
        """Read and act until /exit or end of input."""
        with anyio.CancelScope() as whole:
            self._scopes = [whole]  # Ctrl+C cancels the innermost: a turn, a command, else the chat
            async with anyio.create_task_group() as watchers:
                watchers.start_soon(self._watch_interrupts)
                await self._read_loop()
                watchers.cancel_scope.cancel()

    async def _read_loop(self) -> None:
        while (line := await self.io.read()) is not None:
            try:
                with self.interruptible() as scope:
                    await self.handle(line)
                if scope.cancelled_caught:
                    self.error("cancelled")
            except EndChat:
                return
            except CommandError as exc:
                self.error(str(exc))
            except Exception as exc:  # noqa: BLE001 - a bug in one command must not end the chat
                self.view.pause()  # a turn that blew up mid-way leaves its spinner running over the prompt
                cause = leaf(exc)  # a task group's own message says only "unhandled errors in a TaskGroup"
                self.error(f"{line.strip()[:60]}: failed: {type(cause).__name__}: {cause}")

    @contextmanager
    def interruptible(self) -> Iterator[anyio.CancelScope]:
        """A scope that Ctrl+C cancels (instead of killing the program)."""
        with anyio.CancelScope() as scope:
            self._scopes.append(scope)
            try:
                yield scope
            finally:
                self._scopes.remove(scope)

    async def _watch_interrupts(self) -> None:
        # At the prompt the terminal is in raw mode, so Ctrl+C is a key there, not SIGINT.
        with anyio.open_signal_receiver(signal.SIGINT) as signals:
            async for _ in signals:
                # Stop live drawing first: anything printed while the turn winds down then lands below
                # the partial answer, instead of making the live region draw that answer again.
                self.view.pause()
                self._scopes[-1].cancel()

    async def handle(self, line: str) -> None:
        """One input: a slash command, or a message for the agent."""
        text = line.strip()
        if not text:
            return
        if text.startswith("/") and not text.startswith("//"):
            await dispatch(self, text)
            return
        if text.startswith("//"):  # a message that starts with a slash
            text = text[1:]
        content, attached = await with_attachments(self.hub, text)
        if attached:
            self.console.print(Text(f"attached {attached} resource{'s' * (attached != 1)}", style="dim"))
        await self.turn([UserMessage(content=content)])

    async def turn(self, new: Sequence[Message]) -> str:
        """Run the agent on the history plus `new`; returns the outcome (final, error, cancelled)."""
        new = list(new)
        if not self.history and self.loop.config.system_prompt:
            new.insert(0, SystemMessage(content=self.loop.config.system_prompt))
        if self.session_id is None:
            self.session_id = self.store.create(backend=self.backend.name, model=model_name(self.backend))
        recorder = TurnRecorder(self.store, self.session_id, self.history)
        recorder.begin(new, visible_tools(self.loop.config, [*self.history, *new], self.hub.specs()))
        self.view.start_turn()
        outcome = await self._drive(recorder)
        self.history = list(recorder.history)
        self.last = self.view.stats
        self.view.end_turn("" if outcome == "final" else outcome)
        return outcome

    async def _drive(self, recorder: TurnRecorder) -> str:
        outcome = "cancelled"
        with self.interruptible() as scope:
            async with self.loop.stream(list(recorder.history)) as events:
                async for event in events:
                    outcome = self._on_event(recorder, event) or outcome
        if scope.cancelled_caught and outcome == "cancelled":  # a late Ctrl+C after the answer changes nothing
            recorder.cancel()
        return outcome

    def _on_event(self, recorder: TurnRecorder, event: Event) -> str | None:
        recorder.on_event(event)
        self.view(event)
        trace = getattr(event, "trace", None)
        if trace is not None:  # the run's last event: its trace says what the model was shown
            self.shortlisted = (trace.meta.get("shortlist") or {}).get("tools")
        if isinstance(event, StepEnd):
            self.steps += 1
        if isinstance(event, Final):
            return "final"
        return "error" if isinstance(event, RunError) else None
