"""Plain event printing for `run` and the minimal `chat`: answer text on stdout, tool activity on stderr."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from rich.console import Console
from rich.markup import escape

from agent.loop import Event, Final, Notice, RunError, TextDelta, ToolCallFinished, ToolCallStarted

PREVIEW = 160


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW else flat[: PREVIEW - 1] + "…"


class PlainPrinter:
    """Streams answer text to `out` and one line per tool call and result to stderr."""

    def __init__(self, out: TextIO | None = None, err: Console | None = None) -> None:
        self.out = out or sys.stdout
        self.err = err or Console(stderr=True, highlight=False, soft_wrap=True)
        self.at_line_start = True

    def __call__(self, event: Event) -> None:
        if isinstance(event, TextDelta):
            self.out.write(event.text)
            self.out.flush()
            self.at_line_start = event.text.endswith("\n")
        elif isinstance(event, ToolCallStarted):
            self._newline()
            self.err.print(f"[cyan]→ {escape(event.call.name)}[/] {escape(_preview(event.call.function.arguments))}")
        elif isinstance(event, ToolCallFinished):
            style = "red" if event.outcome.is_error else "dim"
            self.err.print(
                f"[{style}]← {escape(_preview(event.outcome.text))}[/] [dim]({event.outcome.duration_s:.2f} s)[/]"
            )
        elif isinstance(event, Notice):
            self._newline()
            self.err.print(f"[yellow]notice:[/] {escape(event.message)}")
        elif isinstance(event, Final | RunError):
            self._end(event)

    def _newline(self) -> None:
        if not self.at_line_start:
            self.out.write("\n")
            self.at_line_start = True

    def _end(self, event: Final | RunError) -> None:
        self._newline()
        if isinstance(event, RunError):
            self.err.print(f"[red]error:[/] {escape(event.message)}")


class JsonPrinter:
    """One JSON object per event, one per line (`--json`)."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout

    def __call__(self, event: Event) -> None:
        self.out.write(json.dumps(event.to_json(), ensure_ascii=False) + "\n")
        self.out.flush()
