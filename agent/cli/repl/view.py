"""The view for a chat without a terminal: plain answer text on stdout, tool lines on stderr.

Same methods as `RichRenderer`, so the chat does not care which it has.
"""

from __future__ import annotations

from rich.console import Console

from agent.cli.printer import PlainPrinter
from agent.cli.repl.render import TurnStats
from agent.loop import Event, StepEnd


class PlainView:
    """Scriptable output: no live regions, no colours, nothing to wait for."""

    def __init__(self, console: Console) -> None:
        self.printer = PlainPrinter(err=console)
        self.stats = TurnStats()

    def start_turn(self) -> None:
        self.stats = TurnStats()

    def end_turn(self, outcome: str = "") -> None:
        if outcome:
            self.printer.err.print(f"({outcome})")

    def pause(self) -> None:
        return None

    def resume(self) -> None:
        return None

    async def shown(self, call_id: str) -> None:
        return None

    def __call__(self, event: Event) -> None:
        if isinstance(event, StepEnd):
            self.stats.steps += 1
            self.stats.tokens += event.completion_tokens
            self.stats.model_s += event.model_s
        self.printer(event)
