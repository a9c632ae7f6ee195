"""Slash commands about the conversation itself: help, reset, history, save, approvals, exit."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from rich.table import Table
from rich.text import Text

from agent.cli.repl.commands import COMMANDS, CommandError, EndChat, command
from agent.cli.repl.transcript import print_transcript
from agent.sessions.export import export_sessions

if TYPE_CHECKING:
    from agent.cli.repl.app import Chat

KEYS = "Enter sends · Alt+Enter newline · Tab completes · Ctrl+C cancels the turn · Ctrl+D exits"


@command("help")
async def help_(chat: Chat, rest: str) -> None:
    """Show the commands and keys."""
    table = Table(box=None, show_header=False)
    for cmd in COMMANDS.values():
        # Text, not markup: "[key=value ...]" in a usage would be read as a style and vanish.
        table.add_row(Text(f"/{cmd.name} {cmd.usage}".rstrip()), Text(cmd.help))
    table.add_row("@server:uri", "in a message: attach that MCP resource")
    chat.console.print(table)
    chat.console.print(Text(KEYS, style="dim"))


@command("exit")
async def exit_(chat: Chat, rest: str) -> NoReturn:
    """Leave the chat (Ctrl+D does the same)."""
    raise EndChat


@command("reset")
async def reset(chat: Chat, rest: str) -> None:
    """Start a new conversation (the old one stays stored)."""
    chat.reset()
    chat.console.print(Text("new conversation", style="dim"))


@command("history")
async def history(chat: Chat, rest: str) -> None:
    """Show the conversation so far."""
    if not chat.history:
        chat.console.print(Text("nothing yet", style="dim"))
        return
    print_transcript(chat.console, chat.history)


@command("save", "FILE")
async def save(chat: Chat, rest: str) -> None:
    """Write this conversation as one trace line (all turns, failed ones too; `looptune traces validate` checks it)."""
    if not rest:
        raise CommandError("usage: /save FILE")
    if chat.session_id is None:
        raise CommandError("nothing to save yet: this conversation has no turns")
    path = Path(rest).expanduser()
    try:
        report = export_sessions(chat.store, [chat.session_id], path, ok_only=False)
    except OSError as exc:
        raise CommandError(f"{path}: cannot write: {exc.strerror}") from exc
    if not report.sessions:
        raise CommandError("nothing to save yet: this conversation has no stored turns")
    chat.console.print(Text(f"saved session {chat.session_id} to {path}"))


@command("approve", "on|off", choices=lambda chat: ["on", "off"])
async def approve(chat: Chat, rest: str) -> None:
    """Ask before tools that may change things (on) or run them without asking (off)."""
    if rest not in {"", "on", "off"}:
        raise CommandError("usage: /approve on|off")
    if rest:
        chat.approvals.enabled = rest == "on"
        chat.approvals.always.clear()
    state = "on: tools not marked read-only ask first" if chat.approvals.enabled else "off: tools run without asking"
    chat.console.print(f"approvals {state}")
