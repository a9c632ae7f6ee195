"""Approvals: ask before a tool that may change things runs (yes / no / always for this tool).

The loop calls the policy only for tools the hub flags (not annotated
`readOnlyHint: true`, or any tool under the server's `"approve": "all"`). "No" becomes a
refusal the model reads. Without a terminal nobody can answer, so the call
is declined unless approvals were turned off (`--yes`, `/approve off`).
"""

from __future__ import annotations

from typing import Protocol

import anyio
from rich.console import Console
from rich.text import Text

from agent.cli.repl.io import ChatIO
from agent.messages import ToolCall

CHOICES = {"y": "yes", "n": "no", "a": "always for this tool"}
SHOWN_WAIT_S = 5.0


class View(Protocol):
    def pause(self) -> None: ...

    def resume(self) -> None: ...

    async def shown(self, call_id: str) -> None: ...


class Approvals:
    """The approval policy of one chat."""

    def __init__(self, io: ChatIO, view: View, console: Console, *, enabled: bool = True) -> None:
        self.io, self.view, self.console = io, view, console
        self.enabled = enabled
        self.always: set[str] = set()

    async def __call__(self, call: ToolCall) -> bool:
        if not self.enabled or call.name in self.always:
            return True
        if not self.io.interactive:
            self.console.print(Text(f"declined {call.name}: no terminal to ask (pass --yes to allow)", style="yellow"))
            return False
        return await self._ask(call)

    async def _ask(self, call: ToolCall) -> bool:
        with anyio.move_on_after(SHOWN_WAIT_S):  # the question must come after the call's panel
            await self.view.shown(call.id)
        self.view.pause()
        try:
            answer = await self.io.ask(f"Run {call.name}?", CHOICES, default="n")
        finally:
            self.view.resume()
        if answer == "a":
            self.always.add(call.name)
        return answer in {"y", "a"}
