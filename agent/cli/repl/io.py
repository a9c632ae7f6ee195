"""How the chat reads: the `ChatIO` seam, and its plain (non-TTY) implementation.

The chat asks for a line, or asks a short question with fixed answers; it
does not know whether a person at a terminal or a script on a pipe answers.
"""

from __future__ import annotations

import sys
from typing import Protocol, TextIO

import anyio


class ChatIO(Protocol):
    """Where user input comes from."""

    interactive: bool

    async def read(self) -> str | None:
        """The next message or command; None at end of input."""
        ...

    async def ask(self, question: str, choices: dict[str, str], default: str) -> str:
        """One of `choices` (key -> meaning); `default` on empty input or interrupt."""
        ...

    async def ask_text(self, question: str, default: object = None) -> str | None:
        """A free-text answer; None when the user gives up (Ctrl+C or end of input)."""
        ...


def match_choice(answer: str, choices: dict[str, str], default: str) -> str | None:
    """The key an answer means: the key itself or the meaning's first word ("y", "yes"); None if neither."""
    said = answer.strip().lower()
    if not said:
        return default
    for key, meaning in choices.items():
        if said in (key, meaning.split()[0].lower()):
            return key
    return None  # "abort" is not "always": ask again rather than guess


class PlainIO:
    """One message per line from a pipe or file; questions are never asked (the default answers)."""

    interactive = False

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdin

    async def read(self) -> str | None:
        line = await anyio.to_thread.run_sync(self.stream.readline, abandon_on_cancel=True)
        return line.rstrip("\n") if line else None

    async def ask(self, question: str, choices: dict[str, str], default: str) -> str:
        return default

    async def ask_text(self, question: str, default: object = None) -> str | None:
        return None
