"""Rich rendering of loop events for the terminal: live markdown, tool panels, spinners, a summary per turn.

The renderer only draws; it knows nothing of input, sessions or slash
commands. Anything that must ask the user mid-turn (approvals, elicitation)
calls `pause()` first so a question never fights a live region for the screen.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import anyio
from rich.console import Console, Group
from rich.live import Live
from rich.markdown import Markdown
from rich.markup import escape
from rich.panel import Panel
from rich.spinner import Spinner
from rich.syntax import Syntax
from rich.text import Text

from agent.loop import (
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
from agent.messages import ToolCall

RESULT_LINES = 8
LINE_CHARS = 200  # one 50 KB JSON line must not flood the terminal either
THINKING = "thinking"


def pretty_arguments(arguments: str) -> str:
    """Indented JSON for a call's arguments (verbatim when they are not JSON)."""
    try:
        return json.dumps(json.loads(arguments), indent=2, ensure_ascii=False)
    except (json.JSONDecodeError, TypeError):
        return arguments


def call_panel(call: ToolCall, *, needs_approval: bool = False) -> Panel:
    """A compact panel: the tool's name as title, its arguments as JSON."""
    body = Syntax(pretty_arguments(call.function.arguments), "json", theme="ansi_dark", background_color="default")
    style = "yellow" if needs_approval else "cyan"
    return Panel(body, title=f"[bold]{escape(call.name)}[/]", title_align="left", border_style=style, expand=False)


def clipped(text: str, limit: int = RESULT_LINES) -> tuple[str, int]:
    """The first `limit` lines of `text` (each cut at LINE_CHARS) and how many lines were left out."""
    lines = text.rstrip("\n").splitlines() or [""]
    shown = [line if len(line) <= LINE_CHARS else line[: LINE_CHARS - 1] + "…" for line in lines[:limit]]
    return "\n".join(shown), max(0, len(lines) - limit)


def result_text(text: str, is_error: bool, duration_s: float, name: str = "") -> Text:
    """A tool result as a few indented lines, ending with the tool's name (parallel results interleave)."""
    shown, hidden = clipped(text)
    out = Text()
    for line in shown.splitlines() or [""]:
        out.append("  │ ", style="dim").append(line + "\n", style="red" if is_error else "")
    tail = f"  └ {name + ' · ' if name else ''}{duration_s:.2f} s" + (f" · +{hidden} lines" if hidden else "")
    return out.append(tail, style="red dim" if is_error else "dim")


@dataclass
class TurnStats:
    """What one turn did, for the summary line and the toolbar."""

    started: float = field(default_factory=time.perf_counter)
    steps: int = 0
    calls: int = 0
    errors: int = 0
    tokens: int = 0
    model_s: float = 0.0

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.model_s if self.model_s > 0 else 0.0

    def summary(self, outcome: str = "") -> str:
        calls = f"{self.calls} tool call{'s' * (self.calls != 1)}" + (f" ({self.errors} failed)" if self.errors else "")
        parts = [f"{self.steps} step{'s' * (self.steps != 1)}", calls, f"{time.perf_counter() - self.started:.1f} s"]
        if self.tokens_per_s:
            parts.append(f"{self.tokens_per_s:.1f} tok/s")
        return " · ".join(([outcome] if outcome else []) + parts)


class _Activity:
    """The live spinner block: what the model or each running tool is doing, with elapsed time."""

    def __init__(self) -> None:
        self.running: dict[str, tuple[Spinner, float, str]] = {}

    def add(self, key: str, label: str) -> None:
        self.running[key] = (Spinner("dots", style="cyan"), time.perf_counter(), label)

    def progress(self, key: str, note: str) -> None:
        if key in self.running:
            spinner, began, label = self.running[key]
            self.running[key] = (spinner, began, f"{label.split(' · ')[0]} · {note}")

    def __rich__(self) -> Group:
        rows = []
        for spinner, began, label in list(self.running.values()):  # the refresh thread reads this
            spinner.update(text=Text(f"{label} {time.perf_counter() - began:.1f} s", style="dim"))
            rows.append(spinner)
        return Group(*rows)


class RichRenderer:
    """Draws the events of a turn on a rich console."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.stats = TurnStats()
        self._text = ""
        self._live: Live | None = None
        self._mode = ""  # "text" | "activity" | ""
        self._activity = _Activity()
        self._shown: dict[str, anyio.Event] = {}

    # -- turn lifecycle -----------------------------------------------------------

    def start_turn(self) -> None:
        """Reset per-turn state and show that the model is working."""
        self.stats = TurnStats()
        self._activity = _Activity()
        self._activity.add(THINKING, THINKING)
        self._show_activity()

    def end_turn(self, outcome: str = "") -> None:
        """Stop live regions and print the one-line summary."""
        self._stop()
        self.console.print(Text(f"─ {self.stats.summary(outcome)}", style="dim"))

    def pause(self) -> None:
        """Stop live drawing so the terminal can ask a question."""
        self._stop()

    def resume(self) -> None:
        """Restart the spinner block after a question, if anything is still running."""
        if self._activity.running:
            self._show_activity()

    async def shown(self, call_id: str) -> None:
        """Wait until the panel of a call is on screen (an approval question must come after it)."""
        await self._shown.setdefault(call_id, anyio.Event()).wait()

    # -- events -------------------------------------------------------------------

    def __call__(self, event: Event) -> None:
        if isinstance(event, TextDelta):
            self._on_text(event.text)
        elif isinstance(event, ToolCallStarted):
            self._on_call(event)
        elif isinstance(event, ToolProgress):
            self._on_progress(event)
        elif isinstance(event, ToolCallFinished):
            self._on_result(event)
        elif isinstance(event, Notice):
            self._print(Text(f"notice: {event.message}", style="yellow"))
        elif isinstance(event, StepEnd):
            self._on_step(event)
        elif isinstance(event, RunError):
            self._print(Text(f"error: {event.message}", style="bold red"))
        elif isinstance(event, Final) and not event.content.strip() and not self._text:
            self._print(Text("(no answer)", style="dim"))

    def _on_text(self, text: str) -> None:
        self._activity.running.pop(THINKING, None)
        self._text += text
        if self._mode != "text":
            self._stop()
            self._start(Markdown(self._text), "text")
        else:
            assert self._live is not None
            self._live.update(Markdown(self._text))

    def _on_call(self, event: ToolCallStarted) -> None:
        self._activity.running.pop(THINKING, None)
        self.stats.calls += 1
        self._print(call_panel(event.call, needs_approval=event.needs_approval))
        self._activity.add(event.call.id, f"running {event.call.name}")
        self._shown.setdefault(event.call.id, anyio.Event()).set()
        self._show_activity()

    def _on_progress(self, event: ToolProgress) -> None:
        total = f"/{event.total:g}" if event.total else ""
        note = f"{event.progress:g}{total}" + (f" {event.message}" if event.message else "")
        self._activity.progress(event.call_id, note)

    def _on_result(self, event: ToolCallFinished) -> None:
        self._activity.running.pop(event.call.id, None)
        self.stats.errors += event.outcome.is_error
        outcome = event.outcome
        self._print(result_text(outcome.text, outcome.is_error, outcome.duration_s, event.call.name))

    def _on_step(self, event: StepEnd) -> None:
        self.stats.steps += 1
        self.stats.tokens += event.completion_tokens
        self.stats.model_s += event.model_s
        if any(getattr(m, "role", "") == "tool" for m in event.messages):
            self._activity.add(THINKING, THINKING)  # the model reads the results next
            self._show_activity()

    # -- live regions -------------------------------------------------------------

    def _print(self, renderable) -> None:
        """Print above the live region: text already streamed stays, the spinner comes back after."""
        self._stop()
        self.console.print(renderable)
        self.resume()

    def _show_activity(self) -> None:
        if self._mode != "activity" and self._activity.running:
            self._stop()
            self._start(self._activity, "activity")

    def _start(self, renderable, mode: str) -> None:
        self._live = Live(renderable, console=self.console, refresh_per_second=8, transient=(mode == "activity"))
        self._live.start()
        self._mode = mode

    def _stop(self) -> None:
        if self._live is not None:
            self._live.stop()
        if self._mode == "text":
            self._text = ""
        self._live, self._mode = None, ""
