"""A stored conversation printed compactly: what `--resume` and `/history` show.

Knows wire messages and rich only; long tool results are clipped like live ones.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markdown import Markdown
from rich.text import Text

from agent.cli.repl.render import clipped
from agent.messages import AssistantMessage, Message, ToolMessage, UserMessage, content_text

RESULT_LINES = 3


def _line(prefix: str, text: str, style: str = "") -> Text:
    return Text(prefix, style="bold " + style if style else "bold").append(text, style=style)


def print_transcript(console: Console, messages: Sequence[Message]) -> int:
    """Print every user, assistant and tool message; returns how many user turns there were."""
    turns = 0
    for message in messages:
        if isinstance(message, UserMessage):
            turns += 1
            console.print(_line("you> ", content_text(message.content), "green"))
        elif isinstance(message, AssistantMessage):
            _assistant(console, message)
        elif isinstance(message, ToolMessage):
            shown, hidden = clipped(content_text(message.content), RESULT_LINES)
            more = f" (+{hidden} lines)" if hidden else ""
            console.print(Text("  ← " + shown.replace("\n", "\n    ") + more, style="dim"))
    return turns


def _assistant(console: Console, message: AssistantMessage) -> None:
    if message.text.strip():
        console.print(Markdown(message.text))
    for call in message.calls:
        console.print(_line("  → ", f"{call.name} {call.function.arguments}", "cyan"))
