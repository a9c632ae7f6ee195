"""Slash commands about MCP servers: /tools, /servers, /mcp add|remove, /prompts, /prompt."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

import mcp_types as types
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from agent.cli import mcp_cmd
from agent.cli.argv import split_command
from agent.cli.errors import CliError
from agent.cli.repl.commands import CommandError, command, kv_pairs, split_words
from agent.messages import AssistantMessage, Message, UserMessage
from agent.registry import RegistryError, load_registry

if TYPE_CHECKING:
    from agent.cli.repl.app import Chat


def _servers(chat: Chat) -> list[str]:
    return chat.hub.servers()


@command("tools", "[SERVER]", choices=_servers)
async def tools(chat: Chat, rest: str) -> None:
    """List the mounted tools (of one server, or all); * marks the last turn's shortlist."""
    shown = [t for t in chat.hub.tools() if not rest or t.server == rest]
    if rest and rest not in chat.hub.servers():
        raise CommandError(f"no connected server named {rest!r}; connected: {', '.join(chat.hub.servers())}")
    listed = chat.shortlisted
    table = Table(box=None)
    for column in ("", "tool", "description", ""):
        table.add_column(column)
    for tool in shown:
        flag = "[yellow]asks first[/]" if tool.asks_first else ""
        mark = "[green]*[/]" if listed is not None and tool.name in listed else ""
        table.add_row(mark, escape(tool.name), escape(tool.spec().function.description), flag)
    chat.console.print(table if shown else Text("no tools", style="dim"))
    chat.console.print(Text(_shortlist_note(chat, len(chat.hub.tools())), style="dim"))


def _shortlist_note(chat: Chat, mounted: int) -> str:
    k = chat.loop.config.shortlist_k
    if k <= 0:
        return f"shortlisting off: the model sees all {mounted} tools"
    if chat.shortlisted is None:
        return f"the model sees the {k} tools most relevant to each turn (plus tools already called); no turn yet"
    return f"* the {len(chat.shortlisted)} of {mounted} tools the model saw last turn (--shortlist {k})"


@command("servers")
async def servers(chat: Chat, rest: str) -> None:
    """Show each server's state, tool count and last error."""
    table = Table(box=None)
    for column in ("server", "state", "transport", "tools", "restarts", "last error"):
        table.add_column(column)
    for status in chat.hub.status():
        style = "green" if status.state == "up" else "red"
        row = (status.transport, str(status.tools), str(status.restarts), escape(status.error or ""))
        table.add_row(escape(status.name), Text(status.state, style=style), *row)
    chat.console.print(table)


# -- /mcp add|remove: the registry file and the live hub ---------------------------


MCP_USAGE = "/mcp add NAME [flags] -- CMD ARGS... | /mcp add NAME --url URL | /mcp remove NAME"


def _mcp_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="/mcp", exit_on_error=False)
    sub = parser.add_subparsers(dest="mcp_command", required=True, metavar="add|remove")
    mcp_cmd.add_add(sub)
    mcp_cmd.add_remove(sub)
    return parser


def _parse_mcp(chat: Chat, rest: str) -> argparse.Namespace:
    head, tail = split_command(split_words(rest))
    try:
        args = _mcp_parser().parse_args(head)
    except (argparse.ArgumentError, SystemExit) as exc:
        raise CommandError(f"usage: {MCP_USAGE}") from exc
    if tail and args.mcp_command != "add":
        raise CommandError(f"unexpected arguments after --: {' '.join(tail)}")
    args.server_command = tail
    args.mcp_config = args.mcp_config or chat.args.mcp_config
    return args


def _apply(args: argparse.Namespace) -> str:
    """Change the registry file exactly as `looptune mcp add|remove` does; returns what was done."""
    registry = load_registry(args.mcp_config)
    if args.mcp_command == "add":
        registry.add(args.name, mcp_cmd.config_from_args(args), replace=args.replace)
        done = "added"
    else:
        done = registry.remove(args.name)
    mcp_cmd.save_registry(registry)
    return f"{done} {args.name!r} in {registry.path}"


@command("mcp", "add|remove ...", choices=lambda chat: ["add", "remove"])
async def mcp(chat: Chat, rest: str) -> None:
    """Add or remove a registry server, live (same flags as `looptune mcp add|remove`)."""
    args = _parse_mcp(chat, rest)
    try:
        chat.console.print(Text(_apply(args)))  # names and paths are the user's: never markup
        config = load_registry(args.mcp_config).servers().get(args.name)
    except (CliError, RegistryError, ValueError) as exc:
        raise CommandError(str(exc)) from exc
    if args.mcp_command == "remove" or config is None or config.disabled:
        await chat.hub.remove_server(args.name)
    else:
        await chat.hub.add_server(args.name, config)
        _report_start(chat, args.name)
    if chat.completer is not None:
        chat.completer.forget()


def _report_start(chat: Chat, name: str) -> None:
    status = next((s for s in chat.hub.status() if s.name == name), None)
    if status is not None and status.state == "up":
        chat.console.print(Text(f"{name}: up, {status.tools} tools (available from the next turn)"))
    else:
        chat.error(f"{name}: {status.error if status else 'did not start'}")


# -- prompts ---------------------------------------------------------------------------


async def _all_prompts(chat: Chat) -> list[tuple[str, types.Prompt]]:
    found: list[tuple[str, types.Prompt]] = []
    for server in chat.hub.servers():
        try:
            found.extend((server, p) for p in await chat.hub.list_prompts(server))
        except Exception:  # noqa: BLE001 - servers without prompts are simply skipped
            continue
    return found


def _signature(prompt: types.Prompt) -> str:
    args = [a.name if a.required else f"[{a.name}]" for a in prompt.arguments or []]
    return " ".join(args)


@command("prompts")
async def prompts(chat: Chat, rest: str) -> None:
    """List the prompts the servers offer."""
    found = await _all_prompts(chat)
    table = Table(box=None)
    for column in ("prompt", "arguments", "description"):
        table.add_column(column)
    for server, prompt in found:
        table.add_row(escape(f"{server}:{prompt.name}"), escape(_signature(prompt)), escape(prompt.description or ""))
    chat.console.print(table if found else Text("no server offers prompts", style="dim"))


def _pick(found: list[tuple[str, types.Prompt]], name: str) -> tuple[str, types.Prompt]:
    server, _, short = name.rpartition(":")
    matches = [(s, p) for s, p in found if p.name == short and (not server or s == server)]
    if not matches:
        raise CommandError(f"no prompt named {name!r}; see /prompts")
    if len(matches) > 1:
        raise CommandError(f"{short!r} is offered by {', '.join(s for s, _ in matches)}: write SERVER:{short}")
    return matches[0]


def prompt_messages(result: types.GetPromptResult) -> list[Message]:
    """An MCP prompt's messages as conversation messages."""
    out: list[Message] = []
    for message in result.messages:
        text = _content_text(message.content)
        out.append(UserMessage(content=text) if message.role == "user" else AssistantMessage(content=text))
    return out


def _content_text(content: Any) -> str:
    if isinstance(content, types.TextContent):
        return content.text
    resource = getattr(content, "resource", None)
    if resource is not None:
        return getattr(resource, "text", None) or f"[resource {resource.uri}]"
    return f"[{getattr(content, 'type', 'content')}]"


@command("prompt", "NAME [key=value ...]")
async def prompt(chat: Chat, rest: str) -> None:
    """Run an MCP prompt: its messages become this turn."""
    words = split_words(rest)
    if not words:
        raise CommandError("usage: /prompt NAME [key=value ...] (see /prompts)")
    server, found = _pick(await _all_prompts(chat), words[0])
    arguments = kv_pairs(words[1:])
    missing = [a.name for a in found.arguments or [] if a.required and a.name not in arguments]
    if missing:
        raise CommandError(f"/prompt {words[0]} needs {', '.join(f'{m}=...' for m in missing)}")
    try:
        result = await chat.hub.get_prompt(server, found.name, arguments)
    except Exception as exc:  # noqa: BLE001 - the server's refusal is shown as is
        raise CommandError(f"{server}:{found.name}: {exc}") from exc
    messages = prompt_messages(result)
    for message in messages:
        chat.console.print(Text(f"{message.role}> {message.text if hasattr(message, 'text') else message.content}"))
    await chat.turn(messages)
