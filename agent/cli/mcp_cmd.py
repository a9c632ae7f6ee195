"""`looptune mcp list|add|remove|tools|call|import`: manage and try the server registry."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

import anyio
from rich.console import Console
from rich.table import Table
from rich.text import Text

from agent.cli.agent_setup import add_registry_flag, err, warn
from agent.cli.errors import CliError
from agent.hub import Hub
from agent.naming import owner
from agent.registry import Registry, ServerConfig, load_registry
from agent.registry.importer import import_servers

out = Console(highlight=False, soft_wrap=True)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("mcp", help="manage MCP servers (list, add, remove, tools, call, import)")
    mcp_sub = parser.add_subparsers(dest="mcp_command", required=True, metavar="ACTION")
    _add_list(mcp_sub)
    add_add(mcp_sub)
    add_remove(mcp_sub)
    _add_tools(mcp_sub)
    _add_call(mcp_sub)
    _add_import(mcp_sub)


def _parser(sub: argparse._SubParsersAction, name: str, help_text: str, handler) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help_text)
    add_registry_flag(parser)
    parser.set_defaults(handler=handler)
    return parser


def _registry(args: argparse.Namespace) -> Registry:
    return load_registry(args.mcp_config)


def save_registry(registry: Registry) -> None:
    try:
        registry.save()
    except OSError as exc:
        raise CliError(f"{registry.path}: cannot write: {exc.strerror}") from exc


# -- list ------------------------------------------------------------------------


def _add_list(sub: argparse._SubParsersAction) -> None:
    _parser(sub, "list", "show the registry", cmd_list)


def cmd_list(args: argparse.Namespace) -> int:
    registry = _registry(args)
    servers = registry.servers()
    table = Table(title=str(registry.path), title_justify="left")
    for column in ("name", "source", "transport", "target", "state"):
        table.add_column(column)
    for name, cfg in servers.items():
        state = "[dim]disabled[/]" if cfg.disabled else "enabled"
        table.add_row(name, registry.source(name), cfg.transport, cfg.describe(), state)
    out.print(table if servers else f"no servers in {registry.path}")
    return 0


# -- add / remove / import ---------------------------------------------------------


def _pairs(items: list[str] | None, flag: str) -> dict[str, str]:
    pairs = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CliError(f"{flag} expects KEY=VALUE, got {item!r}", code=2)
        pairs[key] = value
    return pairs


def add_add(sub: argparse._SubParsersAction) -> None:
    parser = _parser(sub, "add", "add a server: NAME [flags] -- CMD ARGS... or NAME --url URL", cmd_add)
    parser.add_argument("name")
    parser.add_argument("--url", help="streamable HTTP endpoint")
    parser.add_argument("--sse", action="store_true", help="the URL is a legacy SSE endpoint")
    parser.add_argument("--header", action="append", metavar="K=V", help="HTTP header (repeatable)")
    parser.add_argument("--env", action="append", metavar="K=V", help="environment variable (repeatable)")
    parser.add_argument("--cwd")
    parser.add_argument("--timeout", type=float, help="seconds per call (default 60)")
    parser.add_argument("--root", action="append", metavar="PATH", help="MCP root offered to the server")
    parser.add_argument("--confirm", action="store_true", help="ask before every call of this server")
    parser.add_argument("--disabled", action="store_true")
    parser.add_argument("--replace", action="store_true", help="overwrite an existing entry")
    parser.set_defaults(accepts_command=True)


# Names that mean "a Python": the one running looptune is the one whose packages the user just installed.
PYTHONS = {"python", "python3", f"python{sys.version_info.major}.{sys.version_info.minor}"}


def resolve_command(command: str) -> str:
    """The executable to store for a stdio server: a bare name becomes the absolute path it means now.

    A bare `python` only finds the venv's packages while the venv is active, so
    it is stored as this interpreter; other bare names as `shutil.which` finds
    them; a path, or a name not on PATH, as given.
    """
    if os.sep in command or (os.altsep and os.altsep in command):
        return command
    if command in PYTHONS:
        return sys.executable
    return shutil.which(command) or command


def command_note(given: str, stored: str) -> str:
    """What `mcp add` tells the user about the executable it stored ('' when there is nothing to say)."""
    if stored == sys.executable and given in PYTHONS:
        return f"{given} -> {stored} (the interpreter running looptune)"
    if stored != given:
        return f"{given} -> {stored}"
    return ""


def config_from_args(args: argparse.Namespace) -> ServerConfig:
    command = args.server_command
    if bool(command) == bool(args.url):
        raise CliError("give either `-- CMD ARGS...` (stdio) or `--url URL` (HTTP)", code=2)
    entry: dict = {
        "env": _pairs(args.env, "--env"),
        "headers": _pairs(args.header, "--header"),
        "roots": args.root or [],
        "confirm": args.confirm,
        "disabled": args.disabled,
    }
    if command:
        entry.update(command=resolve_command(command[0]), args=command[1:], cwd=args.cwd)
    else:
        entry.update(url=args.url, type="sse" if args.sse else "http")
    if args.timeout is not None:
        entry["timeout"] = args.timeout
    try:
        return ServerConfig.model_validate(entry)
    except ValueError as exc:
        raise CliError(f"server {args.name!r}: {exc}", code=2) from exc


def cmd_add(args: argparse.Namespace) -> int:
    registry = _registry(args)
    config = config_from_args(args)
    registry.add(args.name, config, replace=args.replace)
    save_registry(registry)
    out.print(f"added {args.name!r} to {registry.path}")
    if config.command is not None:
        given = args.server_command[0]
        note = command_note(given, config.command)
        if note:
            out.print(Text(f"command: {note}"))
        elif resolve_command(given) == given and os.sep not in given:
            err.print(
                Text(f"warning: {given} is not on PATH; stored as given, it must be there when the server starts")
            )
    return 0


def add_remove(sub: argparse._SubParsersAction) -> None:
    _parser(sub, "remove", "remove a server (bundled servers are disabled)", cmd_remove).add_argument("name")


def cmd_remove(args: argparse.Namespace) -> int:
    registry = _registry(args)
    done = registry.remove(args.name)
    save_registry(registry)
    out.print(f"{done} {args.name!r} in {registry.path}")
    return 0


def _add_import(sub: argparse._SubParsersAction) -> None:
    parser = _parser(sub, "import", "import servers from a Claude Desktop / Cursor / VS Code file", cmd_import)
    parser.add_argument("path")
    parser.add_argument("--replace", action="store_true", help="overwrite servers that already exist")


def cmd_import(args: argparse.Namespace) -> int:
    registry = _registry(args)
    try:
        report = import_servers(registry, Path(args.path).expanduser(), replace=args.replace)
    except FileNotFoundError as exc:
        raise CliError(str(exc), code=2) from exc
    if report.added or report.replaced:
        save_registry(registry)
    for name in report.added:
        out.print(f"added {name}")
    for name in report.replaced:
        out.print(f"replaced {name}")
    for name, why in report.skipped.items():
        out.print(f"[yellow]skipped {name}[/]: {why}")
    out.print(f"{len(report.added)} added, {len(report.replaced)} replaced, {len(report.skipped)} skipped")
    return 0


# -- tools / call: these connect -------------------------------------------------------


def _enabled(args: argparse.Namespace, names: list[str]) -> dict[str, ServerConfig]:
    servers = _registry(args).servers()
    unknown = [n for n in names if n not in servers]
    if unknown:
        raise CliError(f"no server named {', '.join(map(repr, unknown))} in the registry", code=2)
    if names:
        return {n: servers[n].model_copy(update={"disabled": False}) for n in names}
    return {n: cfg for n, cfg in servers.items() if not cfg.disabled}


def _add_tools(sub: argparse._SubParsersAction) -> None:
    parser = _parser(sub, "tools", "connect and list tools (all enabled servers, or NAME...)", cmd_tools)
    parser.add_argument("names", nargs="*", metavar="NAME")
    parser.add_argument("--json", action="store_true", help="print the model-facing tool specs as JSON")


def cmd_tools(args: argparse.Namespace) -> int:
    return anyio.run(_tools, args)


class _StartNotices:
    """Hub notices held back while servers start, so a failed start is reported once, as a failure."""

    def __init__(self) -> None:
        self.held: list[tuple[str, str]] | None = []

    def __call__(self, server: str, message: str) -> None:
        if self.held is None:
            warn(server, message)
        else:
            self.held.append((server, message))

    def release(self, failed: set[str]) -> None:
        held, self.held = self.held or [], None
        for server, message in held:
            if server not in failed:
                warn(server, message)


async def _tools(args: argparse.Namespace) -> int:
    notices = _StartNotices()
    async with Hub(_enabled(args, args.names), on_notice=notices) as hub:
        failed = [s for s in hub.status() if s.state != "up"]
        notices.release({s.name for s in failed})
        for status in failed:
            err.print(Text(f"server {status.name!r} failed to start: {status.error or status.state}", "red"))
        if args.json:
            print(json.dumps([spec.to_wire() for spec in hub.specs()], indent=2))
            return 1 if failed else 0
        _print_tools(hub, bool(failed))
        return 1 if failed else 0


def _print_tools(hub: Hub, some_failed: bool) -> None:
    tools = hub.tools()
    if not tools:
        if not some_failed:
            out.print("no tools: no enabled server offers any")
        return
    table = Table(box=None)
    for column in ("tool", "description", ""):
        table.add_column(column)
    for tool in tools:
        table.add_row(tool.name, tool.spec().function.description, "[yellow]asks first[/]" if tool.asks_first else "")
    out.print(table)


def _add_call(sub: argparse._SubParsersAction) -> None:
    parser = _parser(sub, "call", "call one tool: SERVER__TOOL 'JSON ARGUMENTS'", cmd_call)
    parser.add_argument("tool", metavar="SERVER__TOOL")
    parser.add_argument("arguments", nargs="?", default="{}", help="JSON object (default {})")


def cmd_call(args: argparse.Namespace) -> int:
    return anyio.run(_call, args)


async def _call(args: argparse.Namespace) -> int:
    server = owner(args.tool, _registry(args).servers())
    if server is None:
        raise CliError(
            f"no registry server exposes {args.tool!r} (names are SERVER__TOOL; see `looptune mcp tools`)", 2
        )
    async with Hub(_enabled(args, [server]), on_notice=warn) as hub:
        outcome = await hub.call(args.tool, args.arguments)
    stream = sys.stderr if outcome.is_error else sys.stdout
    print(outcome.text, file=stream)
    return 1 if outcome.is_error else 0
