"""Slash commands about the model: /model, /adapter, /backend."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
from rich.table import Table
from rich.text import Text

from agent.backends import Backend, BackendError, BackendOptions, available_backends, create_backend
from agent.backends.base import hosts_adapters
from agent.cli.agent_setup import local_settings, model_name
from agent.cli.repl.commands import CommandError, command, split_words

if TYPE_CHECKING:
    from agent.cli.repl.app import Chat


def active_adapter(backend: Backend) -> str | None:
    """The active adapter's path, for backends that host adapters."""
    return backend.active_adapter if hosts_adapters(backend) else None


@command("model")
async def model(chat: Chat, rest: str) -> None:
    """Show the backend, model, adapter and decoding speed."""
    backend = chat.backend
    table = Table(box=None, show_header=False)
    # Text: model names and adapter paths come from the user or a server, never markup.
    table.add_row("backend", Text(backend.name))
    table.add_row("model", Text(model_name(backend)))
    table.add_row("adapter", Text(active_adapter(backend) or "none"))
    if chat.last.tokens:
        table.add_row("last turn", f"{chat.last.tokens} tokens, {chat.last.tokens_per_s:.1f} tok/s")
    chat.console.print(table)


@command("adapter", "PATH|NAME|off", choices=lambda chat: ["off"])
async def adapter(chat: Chat, rest: str) -> None:
    """Load a LoRA adapter, switch to a loaded one, or turn it off, without restarting."""
    backend = chat.backend
    if not rest:
        chat.console.print(Text(f"adapter: {active_adapter(backend) or 'none'}"))
        return
    if not hosts_adapters(backend):
        raise CommandError(f"the {backend.name} backend has no adapters; use --backend local (or /backend local)")
    try:
        if rest == "off" or not Path(rest).expanduser().exists():  # off, or the name of a loaded adapter
            await anyio.to_thread.run_sync(backend.use_adapter, None if rest == "off" else rest)
        else:
            await anyio.to_thread.run_sync(backend.load_adapter, rest)
    except (BackendError, OSError, ValueError) as exc:
        raise CommandError(f"adapter: {exc}") from exc
    chat.console.print(Text(f"model: {model_name(chat.backend)}"))


COMMAND_USAGE = "NAME [--model M] [--adapter A] [--base-url U] [--api-key K] [--script F]"


def _backend_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="/backend", add_help=False, exit_on_error=False)
    parser.add_argument("name")
    for flag in ("--model", "--adapter", "--base-url", "--api-key", "--script"):
        parser.add_argument(flag)
    return parser


def _options(chat: Chat, parsed: argparse.Namespace) -> BackendOptions:
    own = local_settings(chat.args) if parsed.name == "local" else None  # only the local backend has flags
    return BackendOptions(parsed.model, parsed.adapter, parsed.base_url, parsed.api_key, parsed.script, own)


@command("backend", COMMAND_USAGE, choices=lambda chat: available_backends())
async def backend(chat: Chat, rest: str) -> None:
    """Switch to another backend for the next turns (the conversation is kept)."""
    if not rest:
        chat.console.print(Text(f"backend: {chat.backend.name} ({model_name(chat.backend)})"))
        return
    try:
        parsed = _backend_parser().parse_args(split_words(rest))
    except (argparse.ArgumentError, SystemExit, ValueError) as exc:
        raise CommandError(f"usage: /backend {COMMAND_USAGE}: {exc}") from exc
    try:
        new = await anyio.to_thread.run_sync(create_backend, parsed.name, _options(chat, parsed))
    except BackendError as exc:
        raise CommandError(str(exc)) from exc
    old = chat.backend
    chat.set_backend(new)
    await old.aclose()
    chat.console.print(Text(f"backend: {new.name} ({model_name(new)})"))
