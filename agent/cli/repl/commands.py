"""Slash commands: a registry filled by the `@command` decorator, and the dispatcher.

Built-in commands register through the same decorator an extension would use
(`agent.cli.repl.builtin` imports them). A command gets the `Chat` and the
text after its name; it reports problems by raising `CommandError`.
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agent.errors import LooptuneError

if TYPE_CHECKING:
    from agent.cli.repl.app import Chat

Run = Callable[["Chat", str], Awaitable[None]]
Choices = Callable[["Chat"], list[str]]


class CommandError(LooptuneError):
    """A command could not do what was asked; the message is shown in red, the chat goes on."""


class EndChat(LooptuneError):
    """Raised by `/exit`."""


@dataclass(frozen=True)
class Command:
    name: str
    run: Run
    usage: str = ""
    help: str = ""
    choices: Choices | None = None  # completions for the first argument


COMMANDS: dict[str, Command] = {}


def command(name: str, usage: str = "", choices: Choices | None = None) -> Callable[[Run], Run]:
    """Register `/name`; the function's docstring's first line is its help."""

    def register(fn: Run) -> Run:
        summary = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else ""
        COMMANDS[name] = Command(name, fn, usage, summary, choices)
        return fn

    return register


def split(line: str) -> tuple[str, str]:
    """`/name rest` -> ("name", "rest")."""
    head, _, rest = line.strip()[1:].partition(" ")
    return head.lower(), rest.strip()


async def dispatch(chat: Chat, line: str) -> None:
    """Run one slash command line."""
    name, rest = split(line)
    found = COMMANDS.get(name)
    if found is None:
        close = difflib.get_close_matches(name, list(COMMANDS), n=1)
        hint = f" Did you mean /{close[0]}?" if close else ""
        raise CommandError(f"unknown command /{name}.{hint} Type /help for the list.")
    await found.run(chat, rest)


def first_word_choices(chat: Chat, name: str) -> list[str]:
    """Completions for a command's first argument ([] when it has none)."""
    found = COMMANDS.get(name)
    return found.choices(chat) if found and found.choices else []


def split_words(text: str) -> list[str]:
    """Shell-like words of a command's arguments; unbalanced quotes are a CommandError."""
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise CommandError(f"cannot split {text!r}: {exc}") from None


def kv_pairs(words: list[str]) -> dict[str, Any]:
    """`key=value` words as a dict; anything else is an error naming the word."""
    pairs = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise CommandError(f"expected key=value, got {word!r}")
        pairs[key] = value
    return pairs
