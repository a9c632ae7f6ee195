"""Text from servers and users is printed as written: rich markup in it neither crashes nor restyles the chat."""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any

import mcp_types as types
import pytest
from rich.console import Console

import agent.cli.agent_setup as setup
from agent.backends.base import Capabilities
from agent.cli.repl.builtin import conversation, mcp, model
from agent.cli.repl.elicit import Elicitor
from agent.cli.repl.render import TurnStats
from agent.messages import FunctionCall, ToolCall

pytestmark = pytest.mark.anyio
EVIL = "[bold]x[/] and [/] stray"  # "[/]" alone makes rich raise MarkupError


class EvilHub:
    """A hub whose one server names and describes everything with markup."""

    def servers(self) -> list[str]:
        return ["ev[i]l"]

    def tools(self) -> list[Any]:
        spec = SimpleNamespace(function=SimpleNamespace(description=EVIL))
        return [SimpleNamespace(server="ev[i]l", name="ev[i]l__t[/]", asks_first=True, spec=lambda: spec)]

    def status(self) -> list[Any]:
        return [SimpleNamespace(name="ev[i]l", state="up", transport="stdio", tools=1, restarts=0, error=EVIL)]

    async def list_prompts(self, server: str) -> list[types.Prompt]:
        return [types.Prompt(name="p[/]", description=EVIL, arguments=[])]


class EvilModel:
    """A backend whose model name is markup (its class declares that it describes itself)."""

    name = "scripted"
    capabilities = Capabilities(describes=True)

    def describe(self) -> str:
        return EVIL


def fake_chat(**extra: Any) -> SimpleNamespace:
    console = Console(file=io.StringIO(), width=200, color_system=None)
    loop = SimpleNamespace(config=SimpleNamespace(shortlist_k=6))
    fields = {"hub": EvilHub(), "console": console, "last": TurnStats(), "loop": loop, "shortlisted": None, **extra}
    return SimpleNamespace(**fields)


def printed(chat: SimpleNamespace) -> str:
    return chat.console.file.getvalue()


async def test_tools_servers_and_prompts_print_server_text_literally():
    chat = fake_chat()
    await mcp.tools(chat, "")
    await mcp.servers(chat, "")
    await mcp.prompts(chat, "")
    assert "ev[i]l__t[/]" in printed(chat) and "asks first" in printed(chat)
    assert printed(chat).count(EVIL) == 3  # the tool's description, the server's error, the prompt's description
    assert "ev[i]l:p[/]" in printed(chat)


async def test_a_server_added_live_is_reported_with_its_name_as_typed():
    chat = fake_chat()
    mcp._report_start(chat, "ev[i]l")
    assert "ev[i]l: up, 1 tools" in printed(chat)


async def test_help_shows_usages_with_brackets_as_written():
    chat = fake_chat()
    await conversation.help_(chat, "")
    assert "/prompt NAME [key=value ...]" in printed(chat)  # as markup, "[key=value ...]" vanished
    assert "/tools [SERVER]" in printed(chat)


async def test_model_shows_a_model_name_with_markup_literally():
    chat = fake_chat(backend=EvilModel())
    await model.model(chat, "")
    await model.backend(chat, "")
    assert printed(chat).count(EVIL) == 2


class Answers:
    """A terminal that answers the form: yes, then the same wrong value each time."""

    interactive = True

    async def ask(self, question: str, choices: dict[str, str], default: str) -> str:
        return "y"

    async def ask_text(self, question: str, default: object = None) -> str | None:
        return "neither"


async def test_an_elicitation_retry_names_the_servers_choices_literally():
    chat = fake_chat()
    view = SimpleNamespace(pause=lambda: None, resume=lambda: None)
    schema = {"properties": {"pick": {"type": "string", "enum": ["[/]a", "[bold]b"]}}, "required": ["pick"]}
    answer = await Elicitor(Answers(), view, chat.console)("ev[i]l", EVIL, schema)
    assert answer.action == "cancel"
    assert "expected one of [/]a, [bold]b" in printed(chat) and EVIL in printed(chat)


async def test_a_destructive_call_declined_without_a_terminal_names_the_tool_literally(monkeypatch):
    console = Console(file=io.StringIO(), width=200, color_system=None)
    monkeypatch.setattr(setup, "err", console)
    call = ToolCall(id="c1", function=FunctionCall(name="ev[i]l__rm[/]"))
    assert await setup.decline_no_tty(call) is False
    assert "declined ev[i]l__rm[/]: it may change things" in console.file.getvalue()


def test_the_run_printer_shows_a_tool_name_with_markup_literally():
    from agent.cli.printer import PlainPrinter
    from agent.loop import ToolCallStarted

    err = Console(file=io.StringIO(), width=200)
    call = ToolCall(id="c1", function=FunctionCall(name="ev[i]l__t[/]", arguments="{}"))
    PlainPrinter(out=io.StringIO(), err=err)(ToolCallStarted(step=1, call=call))
    assert "→ ev[i]l__t[/] {}" in err.file.getvalue()
