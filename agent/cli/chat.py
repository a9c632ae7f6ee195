"""`looptune chat`: the interactive terminal agent (or a line-per-message script without a TTY).

This module wires the pieces together: registry, hub, backend and loop from
the shared agent flags, the session store, and the terminal front end.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import nullcontext

import anyio
from rich.console import Console
from rich.text import Text

from agent.cli.agent_setup import add_agent_flags, open_agent, open_store
from agent.cli.repl.app import Chat
from agent.cli.repl.commands import COMMANDS, first_word_choices
from agent.cli.repl.completion import ChatCompleter
from agent.cli.repl.elicit import Elicitor
from agent.cli.repl.io import PlainIO
from agent.cli.repl.render import RichRenderer
from agent.cli.repl.terminal import TerminalIO, keys_not_echoed
from agent.cli.repl.toolbar import toolbar
from agent.cli.repl.view import PlainView
from agent.hub import Hub
from agent.sessions.store import SessionStore, data_dir


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("chat", help="talk to the agent in the terminal (one message per line without a TTY)")
    add_agent_flags(parser)
    parser.add_argument(
        "--resume", nargs="?", const="", metavar="ID", help="continue a stored session (the latest without ID)"
    )
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    return anyio.run(chat, args)


def _front_end(interactive: bool, console: Console, save: bool = True):
    if not interactive:
        return PlainIO(), PlainView(console)
    history = data_dir() / "chat_history" if save else None  # --no-save leaves nothing on disk, inputs included
    return TerminalIO(history=history), RichRenderer(console)


def _attach_terminal(chat: Chat, io: TerminalIO) -> None:
    hub = chat.hub
    completer = ChatCompleter(
        lambda: {name: c.help for name, c in COMMANDS.items()},
        lambda name: first_word_choices(chat, name),
        lambda: [t.name for t in hub.tools()],
        hub,
    )
    chat.completer = completer
    io.session.completer = completer
    io.session.bottom_toolbar = lambda: toolbar(chat)


def _resumed(store: SessionStore, ref: str | None) -> str | None:
    if ref is None:
        return None
    return store.resolve(ref or None, source="chat")  # `run` sessions are one-shot; resume a conversation


async def chat(args: argparse.Namespace) -> int:
    """Read messages and commands until /exit or end of input."""
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    console = Console(highlight=False) if interactive else Console(stderr=True, highlight=False, soft_wrap=True)
    io, view = _front_end(interactive, console, save=not args.no_save)
    with open_store(args) as store:
        resume = _resumed(store, args.resume)  # before any model loads: a bad id fails fast
        async with open_agent(args, elicitor=Elicitor(io, view, console)) as loop:
            hub = loop.toolbox
            assert isinstance(hub, Hub)  # open_agent always hands the loop a Hub
            session = Chat(args, loop, hub, io, view, console, store)
            if isinstance(io, TerminalIO):
                _attach_terminal(session, io)
                console.print(Text("Type /help for commands, Ctrl+D to leave.", style="dim"))
            if resume is not None:
                session.resume(resume)
            # prompt-toolkit takes the terminal over while it reads a line and hands it back as it found it:
            # not echoing, so keys pressed during a turn never draw over its output.
            with keys_not_echoed() if isinstance(io, TerminalIO) else nullcontext():
                await session.run()
    return 0
