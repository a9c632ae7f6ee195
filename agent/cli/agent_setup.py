"""Flags shared by `run` and `chat`, and the wiring from flags to registry, hub, backend and loop."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from rich.console import Console
from rich.text import Text

from agent.backends import Backend, BackendSampler
from agent.backends.base import describe
from agent.backends.local.options import DEFAULT_MAX_BATCH, DEFAULT_QUANT, QUANTS
from agent.backends.settings import BackendSettings, LocalOptions, build_backend
from agent.cli.errors import CliError
from agent.cli.shortlist_flags import add_shortlist_flags
from agent.hub import Hub
from agent.hub.peer import Elicitor, decline_elicitation
from agent.loop import AgentLoop, Approver, LoopConfig
from agent.messages import ToolCall
from agent.prompts import SYSTEM_PROMPT, system_prompt
from agent.registry import ServerConfig, load_registry
from agent.sessions.store import MEMORY, SessionError, SessionStore, default_db_path
from agent.shortlist.select import DEFAULT_METHOD

DEFAULT_BACKEND = "local"
err = Console(stderr=True, highlight=False, soft_wrap=True)


def add_registry_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--mcp-config",
        metavar="PATH",
        help="registry file (default: $LOOPTUNE_MCP_CONFIG or ~/.config/looptune/mcp.json)",
    )


def add_agent_flags(parser: argparse.ArgumentParser) -> None:
    """Backend, server and loop flags (DESIGN.md's CLI surface)."""
    add_registry_flag(parser)
    parser.add_argument(
        "--backend", default=DEFAULT_BACKEND, help="local | openai | scripted | any installed (default local)"
    )
    parser.add_argument("--model", help="model id or path")
    parser.add_argument("--adapter", help="LoRA adapter path; bundled = the shipped one, none = the plain model")
    parser.add_argument("--base-url", help="OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1")
    parser.add_argument("--api-key", help="API key for --base-url (default: $OPENAI_API_KEY)")
    parser.add_argument("--script", help="turns for --backend scripted (JSON list or JSONL)")
    parser.add_argument("--servers", help="comma-separated registry names to mount (default: all enabled)")
    parser.add_argument(
        "--files-root",
        metavar="DIR",
        help="the folder the files server works in (default: the current directory, or its registry 'roots')",
    )
    parser.add_argument("--max-steps", type=int, default=16, help="model turns before the run stops (default 16)")
    parser.add_argument(
        "--system", help="system prompt ({today} is replaced by the weekday and date; default: looptune's own)"
    )
    parser.add_argument(
        "--temperature", type=float, help="sampling temperature (default: the backend's; local: greedy)"
    )
    parser.add_argument("--max-tokens", type=int, help="tokens per model turn (default: the backend's)")
    parser.add_argument("--seed", type=int, help="sampling seed (default: none, unseeded)")
    parser.add_argument(
        "--yes",
        action="store_true",
        help="run every tool without asking (default: ask before tools that may change things)",
    )
    parser.add_argument(
        "--tool-choice",
        choices=["auto", "required", "none"],
        default="auto",
        help="first step of each turn: required = must call a tool (base models rarely do unprompted)",
    )
    add_shortlist_flags(parser)
    parser.add_argument("--quiet", action="store_true", help="do not print which model and servers are in use")
    parser.add_argument("--no-save", action="store_true", help="do not store this conversation in the session store")
    add_local_flags(parser.add_argument_group("local backend"))


def add_local_flags(group) -> None:
    """Flags only `--backend local` reads."""
    group.add_argument("--no-constrain", action="store_true", help="do not constrain tool calls to the tool schemas")
    group.add_argument("--load-in-4bit", action="store_true", help="bitsandbytes NF4 weights (CUDA only)")
    group.add_argument("--device", help="cpu, cuda, cuda:1 ... (default: cuda if available)")
    group.add_argument("--no-prefix-cache", action="store_true", help="re-prefill the whole prompt every step")
    group.add_argument("--plain-decode", action="store_true", help="one token per forward (no drafts)")
    group.add_argument(
        "--quant",
        choices=QUANTS,
        help=f"weights decode steps read on CPU: int8/int4 are faster and approximate (default: {DEFAULT_QUANT})",
    )
    group.add_argument("--int8", action="store_true", help="the same as --quant int8")
    group.add_argument(
        "--max-batch",
        type=int,
        default=DEFAULT_MAX_BATCH,
        metavar="N",
        help="concurrent requests decoded together in one forward pass (serve, eval --jobs); 1: one at a time",
    )
    group.add_argument(
        "--name-prior",
        type=float,
        default=0.0,
        metavar="LOGITS",
        help="steer a turn's first call toward the listed tool that best matches the request by up to this"
        " many logits, scored by --shortlist-method (0: off; needs the constraint)",
    )


def local_settings(args: argparse.Namespace) -> LocalOptions:
    """The local backend's typed options, from its flags (checked here, so an error names the flag)."""
    name_prior = getattr(args, "name_prior", 0.0) or 0.0
    if name_prior:
        if args.no_constrain:
            raise CliError("--name-prior steers the constrained decoder: it cannot go with --no-constrain", code=2)
        if name_prior < 0:
            raise CliError(f"--name-prior must be 0 or more, not {name_prior}", code=2)
    quant = getattr(args, "quant", None)
    if getattr(args, "int8", False):
        if quant not in (None, "int8"):
            raise CliError(f"--int8 is --quant int8: it cannot go with --quant {quant}", code=2)
        quant = "int8"
    batch = getattr(args, "max_batch", DEFAULT_MAX_BATCH)
    if batch < 1:
        raise CliError(f"--max-batch must be 1 or more, not {batch}", code=2)
    return LocalOptions(
        constrain=not args.no_constrain,
        prefix_cache=not args.no_prefix_cache,
        plain_decode=args.plain_decode,
        quant=quant or DEFAULT_QUANT,
        max_batch=batch,
        name_prior=name_prior,
        name_prior_method=getattr(args, "shortlist_method", None) or DEFAULT_METHOD,
        load_in_4bit=args.load_in_4bit,
        device=args.device or None,
    )


def backend_settings(args: argparse.Namespace, **changes: object) -> BackendSettings:
    """The typed backend settings the flags give (`changes` replace flags, e.g. `backend=args.teacher`)."""
    fields = {name: getattr(args, name, None) for name in ("backend", "model", "base_url", "api_key", "script")}
    fields["adapter"] = getattr(args, "adapter", None)
    # model_validate: the same validation as the constructor, for field values only known at run time
    return BackendSettings.model_validate({**fields, **changes, "local": local_settings(args)})


def make_backend(args: argparse.Namespace) -> Backend:
    """The backend the flags ask for; one that cannot be made is a BackendError (exit 2)."""
    return build_backend(backend_settings(args))


def mounted_servers(args: argparse.Namespace) -> dict[str, ServerConfig]:
    """Enabled registry servers, narrowed by --servers."""
    enabled = load_registry(args.mcp_config).enabled()
    if not args.servers:
        return enabled
    wanted = [s.strip() for s in args.servers.split(",") if s.strip()]
    missing = [s for s in wanted if s not in enabled]
    if missing:
        raise CliError(f"--servers names unknown or disabled servers: {', '.join(missing)}", code=2)
    return {name: enabled[name] for name in wanted}


def with_files_root(servers: dict[str, ServerConfig], root: str | None) -> dict[str, ServerConfig]:
    """`--files-root DIR`: the `files` server's MCP root for this run, in place of the registry's `roots`."""
    if root is None or "files" not in servers:
        return servers
    folder = Path(root).expanduser()
    if not folder.is_dir():
        raise CliError(f"--files-root {root}: no such folder", code=2)
    return {**servers, "files": servers["files"].model_copy(update={"roots": [str(folder.resolve())]})}


def model_name(backend: Backend) -> str:
    """What the backend says it runs (its name when its class does not declare that it describes itself)."""
    return describe(backend)


def banner(backend: Backend, hub: Hub) -> None:
    """One stderr line: which model, adapter and servers this run uses."""
    model = model_name(backend)
    up = [f"{s.name} ({s.tools} tools)" for s in hub.status() if s.state == "up"]
    err.print(Text(f"model: {model} ({backend.name}) · servers: {', '.join(up) or 'none'}", style="dim"))


def warn(server: str, message: str) -> None:
    """Hub notices (a server that failed to start, a collision) as one stderr line."""
    if message.startswith("server "):
        err.print(Text.assemble(("warning: ", "yellow"), message))
    else:
        err.print(Text(f"{server}: {message}", style="dim"))


class TerminalApprover:
    """Asks on the terminal before a call that needs approval: yes, no, or always (this tool, this session).

    Which calls need approval is the hub's decision (the server's `approve` policy);
    this only asks, and remembers "always" for as long as the object lives.
    """

    def __init__(self, ask: Callable[[str], str] = input) -> None:
        self._ask = ask
        self.always: set[str] = set()

    async def __call__(self, call: ToolCall) -> bool:
        if call.name in self.always:
            return True
        question = f"Allow {call.name}({call.function.arguments})? [y/N/a=always] "
        answer = await anyio.to_thread.run_sync(lambda: self._ask(question), abandon_on_cancel=True)
        choice = answer.strip().lower()
        if choice in {"a", "always"}:
            self.always.add(call.name)
        return choice in {"y", "yes", "a", "always"}


async def decline_no_tty(call: ToolCall) -> bool:
    reason = f" {call.name}: it may change things and there is no terminal to ask (pass --yes to allow)"
    err.print(Text.assemble(("declined", "yellow"), reason))  # the tool name is a server's, never markup
    return False


def make_approver(args: argparse.Namespace) -> Approver | None:
    if args.yes:
        return None
    return TerminalApprover() if sys.stdin.isatty() else decline_no_tty


def open_store(args: argparse.Namespace) -> SessionStore:
    """The session store turns are written to (in memory only with --no-save)."""
    if args.no_save:
        return SessionStore(MEMORY)
    try:
        return SessionStore()
    except (SessionError, OSError, sqlite3.Error) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        hint = "--no-save runs without it"
        raise CliError(f"cannot open the session store {default_db_path()}: {message} ({hint})", 2) from exc


def loop_config(args: argparse.Namespace) -> LoopConfig:
    system = system_prompt(template=args.system or SYSTEM_PROMPT)
    return LoopConfig(
        args.max_steps,
        system_prompt=system,
        temperature=args.temperature,
        max_tokens=args.max_tokens,
        seed=args.seed,
        first_tool_choice=None if args.tool_choice == "auto" else args.tool_choice,
        shortlist_k=args.shortlist,
        shortlist_method=args.shortlist_method,
    )


@asynccontextmanager
async def open_agent(
    args: argparse.Namespace, approver: Approver | None = None, elicitor: Elicitor = decline_elicitation
) -> AsyncIterator[AgentLoop]:
    """Registry -> hub -> backend -> loop, all closed on exit."""
    servers = with_files_root(mounted_servers(args), args.files_root)
    backend = make_backend(args)
    try:
        async with Hub(servers, sampler=BackendSampler(backend), elicitor=elicitor, on_notice=warn) as hub:
            if not args.quiet:
                banner(backend, hub)
            yield AgentLoop(backend, hub, loop_config(args), approver or make_approver(args))
    finally:
        await backend.aclose()
