"""`/tools` in the chat: every mounted tool, the last turn's shortlist marked, driven through pipe input."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import anyio
import pytest
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.vt100 import Vt100_Output
from rich.console import Console

from agent.backends.scripted import ScriptedBackend
from agent.cli.agent_setup import loop_config
from agent.cli.main import build_parser
from agent.cli.repl.app import Chat
from agent.cli.repl.elicit import Elicitor
from agent.cli.repl.render import RichRenderer
from agent.cli.repl.terminal import TerminalIO
from agent.hub import Hub
from agent.loop import AgentLoop
from agent.sessions.store import SessionStore
from tests.conftest import toy_config

pytestmark = pytest.mark.anyio
WAIT_S = 30


async def chat_screen(tmp_path: Path, keys: str, turns: list, *flags: str) -> tuple[str, Chat]:
    """Type `keys` into a chat over the toy server with the loop the flags configure; returns the screen."""
    registry = tmp_path / "mcp.json"
    registry.write_text(json.dumps({"mcpServers": {}}))
    args = build_parser().parse_args(["chat", "--backend", "scripted", "--mcp-config", str(registry), *flags])
    console = Console(file=io.StringIO(), width=160, color_system=None)
    with create_pipe_input() as pipe, SessionStore(tmp_path / "sessions.db") as store:
        pipe.send_text(keys)
        term = TerminalIO(input=pipe, output=Vt100_Output(io.StringIO(), lambda: Size(40, 160), term="xterm"))
        view = RichRenderer(console)
        async with Hub({"toy": toy_config()}, elicitor=Elicitor(term, view, console)) as hub:
            chat = Chat(
                args, AgentLoop(ScriptedBackend(turns), hub, loop_config(args)), hub, term, view, console, store
            )
            with anyio.fail_after(WAIT_S):
                await chat.run()
    return console.file.getvalue(), chat


def marked(screen: str) -> set[str]:
    return set(re.findall(r"^\s*\*\s+(toy__\w+)", screen, re.MULTILINE))


async def test_tools_marks_the_shortlist_the_model_saw_last_turn_beside_every_mounted_tool(tmp_path):
    turns = [{"tool_calls": [{"name": "toy__add", "arguments": {"a": 2, "b": 3}}]}, "It is 5."]
    screen, chat = await chat_screen(tmp_path, "add the numbers 2 and 3\r/tools\r/exit\r", turns, "--shortlist", "2")
    assert chat.shortlisted is not None and len(chat.shortlisted) == 2 and "toy__add" in chat.shortlisted
    assert marked(screen) == set(chat.shortlisted)
    assert "toy__echo" in screen and "toy__crash" in screen  # the tools left out are listed too, unmarked
    assert re.search(r"\* the 2 of \d+ tools the model saw last turn \(--shortlist 2\)", screen)


async def test_tools_says_shortlisting_is_off_and_marks_nothing_with_shortlist_0(tmp_path):
    screen, chat = await chat_screen(tmp_path, "hi\r/tools\r/exit\r", ["Hello."], "--shortlist", "0")
    assert chat.shortlisted is None and not marked(screen)
    assert re.search(r"shortlisting off: the model sees all \d+ tools", screen)
