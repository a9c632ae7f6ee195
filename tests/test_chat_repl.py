"""The chat REPL driven through prompt-toolkit pipe input, against the real toy MCP server over stdio."""

from __future__ import annotations

import io
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.data_structures import Size
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.output.vt100 import Vt100_Output
from rich.console import Console

from agent.backends.scripted import ScriptedBackend
from agent.cli.main import build_parser
from agent.cli.repl.app import Chat
from agent.cli.repl.completion import ChatCompleter
from agent.cli.repl.elicit import Elicitor
from agent.cli.repl.render import RichRenderer, result_text
from agent.cli.repl.terminal import TerminalIO
from agent.hub import Hub
from agent.loop import AgentLoop, LoopConfig, ToolCallStarted, ToolProgress
from agent.messages import FunctionCall, ToolCall, Trace
from agent.sessions.store import SessionStore
from tests.conftest import TOY, toy_config
from tests.ptychat import ANSI

pytestmark = pytest.mark.anyio
WAIT_S = 30


def call(tool: str, **arguments: Any) -> dict[str, Any]:
    return {"tool_calls": [{"name": tool, "arguments": arguments}]}


class Session:
    """What a driven chat left behind: its screen text, the chat object and its store."""

    def __init__(self, screen: str, chat: Chat, store_path: Path) -> None:
        self.screen, self.chat, self.store_path = screen, chat, store_path

    def turns(self) -> list[str]:
        with SessionStore(self.store_path) as store:
            return [t.outcome for t in store.turns(store.resolve(None))]


async def drive(tmp_path: Path, keys: str, turns: list[Any], *flags: str) -> Session:
    """Type `keys` into a chat over the toy server and a scripted model; returns what happened."""
    registry = tmp_path / "mcp.json"
    registry.write_text(json.dumps({"mcpServers": {}}))
    args = build_parser().parse_args(["chat", "--backend", "scripted", "--mcp-config", str(registry), *flags])
    console = Console(file=io.StringIO(), width=120, color_system=None)
    prompts = io.StringIO()
    store_path = tmp_path / "sessions.db"
    with create_pipe_input() as pipe, SessionStore(store_path) as store:
        pipe.send_text(keys)
        term = TerminalIO(input=pipe, output=Vt100_Output(prompts, lambda: Size(rows=40, columns=120), term="xterm"))
        view = RichRenderer(console)
        async with Hub({"toy": toy_config()}, elicitor=Elicitor(term, view, console)) as hub:
            loop = AgentLoop(ScriptedBackend(turns), hub, LoopConfig(system_prompt="You help."))
            chat = Chat(args, loop, hub, term, view, console, store)
            with anyio.fail_after(WAIT_S):
                await chat.run()
    return Session(console.file.getvalue() + ANSI.sub("", prompts.getvalue()), chat, store_path)


async def test_enter_sends_and_alt_enter_inserts_a_newline():
    with create_pipe_input() as pipe:
        pipe.send_text("line one\x1b\rline two\r")
        term = TerminalIO(input=pipe, output=DummyOutput())
        with anyio.fail_after(WAIT_S):
            assert await term.read() == "line one\nline two"


async def test_ctrl_r_searches_the_history_and_enter_takes_the_match():
    with create_pipe_input() as pipe:
        term = TerminalIO(input=pipe, output=DummyOutput())
        lines = []
        with anyio.fail_after(WAIT_S):
            # One prompt at a time: keys typed ahead of a prompt are not a search a person makes.
            for keys in ("add buy milk\r", "list tasks\r", "\x12buy\r\r"):
                pipe.send_text(keys)
                lines.append(await term.read())
        assert lines == ["add buy milk", "list tasks", "add buy milk"]


async def test_ctrl_c_at_the_prompt_clears_the_line_and_ctrl_d_ends_input():
    with create_pipe_input() as pipe:
        pipe.send_text("half a thought\x03kept\r\x04")
        term = TerminalIO(input=pipe, output=DummyOutput())
        with anyio.fail_after(WAIT_S):
            assert await term.read() == "kept"
            assert await term.read() is None


def test_the_prompt_completes_commands_their_arguments_and_tool_names():
    completer = ChatCompleter(
        lambda: {"tools": "list tools", "approve": "toggle"},
        lambda name: ["on", "off"] if name == "approve" else [],
        lambda: ["toy__echo", "toy__add"],
    )

    def complete(text: str) -> list[str]:
        return [c.text for c in completer.get_completions(Document(text), CompleteEvent())]

    assert complete("/to") == ["tools"]
    assert complete("/approve o") == ["on", "off"]
    assert complete("please use toy__e") == ["toy__echo"]


async def test_a_destructive_call_waits_for_an_answer_and_always_stops_asking(tmp_path):
    turns = [call("toy__delete_thing", name="a"), "Deleted a.", call("toy__delete_thing", name="b"), "Deleted b."]
    # Only one answer is typed: a second question would eat "/exit" and the chat would never end.
    done = await drive(tmp_path, "delete a\ra\rdelete b\r/exit\r", turns)
    assert "Run toy__delete_thing? [y] yes / [n] no / [a] always for this tool" in done.screen
    assert done.chat.approvals.always == {"toy__delete_thing"}
    assert "deleted a" in done.screen and "deleted b" in done.screen
    assert done.turns() == ["final", "final"]


async def test_answering_no_sends_the_model_a_refusal_it_can_react_to(tmp_path):
    done = await drive(tmp_path, "delete a\rn\r/exit\r", [call("toy__delete_thing", name="a"), "I did not delete it."])
    tool_message = done.chat.history[-2]
    assert tool_message.role == "tool" and "declined" in tool_message.content
    assert "I did not delete it." in done.screen


async def test_yes_flag_runs_destructive_tools_without_asking(tmp_path):
    done = await drive(tmp_path, "delete a\r/exit\r", [call("toy__delete_thing", name="a"), "Done."], "--yes")
    assert "Run toy__delete_thing?" not in done.screen and "deleted a" in done.screen


async def test_a_server_question_is_asked_inline_and_the_answer_goes_back(tmp_path):
    done = await drive(tmp_path, "ask me\ry\rforty-two\r/exit\r", [call("toy__ask", question="Your number?"), "Ok."])
    assert "toy asks" in done.screen and "Your number?" in done.screen
    assert done.chat.history[-2].content == "accept: forty-two"


async def test_an_at_mention_attaches_the_resource_to_the_message(tmp_path):
    done = await drive(tmp_path, "summarise @toy:info://about please\r/exit\r", ["It is a toy."])
    user = done.chat.history[1]
    assert 'uri="info://about"' in user.content and "toy server for tests" in user.content
    assert "attached 1 resource" in done.screen


async def test_an_unreadable_resource_is_reported_and_nothing_is_sent(tmp_path):
    done = await drive(tmp_path, "read @toy:nope://missing\r/exit\r", [])
    assert "cannot attach @toy:nope://missing" in done.screen
    assert done.chat.history == []


async def test_a_server_prompt_runs_as_a_turn_with_its_arguments(tmp_path):
    done = await drive(tmp_path, "/prompts\r/prompt greet name=Ada\r/prompt greet\r/exit\r", ["Hello Ada!"])
    assert "toy:greet" in done.screen
    assert done.chat.history[1].content == "Please greet Ada warmly."
    assert "/prompt greet needs name=..." in done.screen


async def test_mcp_add_mounts_a_server_live_and_remove_drops_it(tmp_path):
    keys = f"/mcp add second -- {sys.executable} {TOY}\r/tools second\r/mcp remove second\r/servers\r/exit\r"
    done = await drive(tmp_path, keys, [])
    assert "second: up" in done.screen and "second__echo" in done.screen
    assert "second" not in done.chat.hub.servers()
    registry = json.loads((tmp_path / "mcp.json").read_text())
    assert "second" not in registry["mcpServers"]


async def test_save_writes_the_conversation_as_one_trace_line(tmp_path):
    out = tmp_path / "trace.jsonl"
    done = await drive(tmp_path, f"echo hi\r/save {out}\r/exit\r", [call("toy__echo", text="hi"), "It said hi."])
    trace = Trace.model_validate_json(out.read_text().strip())
    assert [m.role for m in trace.messages] == ["system", "user", "assistant", "tool", "assistant"]
    assert "toy__echo" in {t.name for t in trace.tools}
    assert f"saved session {done.chat.session_id}" in done.screen


async def test_reset_starts_a_new_session_and_history_shows_the_current_one(tmp_path):
    done = await drive(tmp_path, "first\r/reset\rsecond\r/history\r/exit\r", ["One.", "Two."])
    with SessionStore(done.store_path) as store:
        assert len(store.list()) == 2
    assert "Two." in done.screen
    assert [m.role for m in done.chat.history] == ["system", "user", "assistant"]


async def test_backend_switches_the_model_for_the_next_turn(tmp_path):
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"content": "From the other script."}) + "\n")
    done = await drive(tmp_path, f"one\r/backend scripted --script {other}\rtwo\r/exit\r", ["From the first."])
    assert "From the first." in done.screen and "From the other script." in done.screen


async def test_unknown_commands_suggest_the_closest_one(tmp_path):
    done = await drive(tmp_path, "/tool\r/adapter off\r/exit\r", [])
    assert "unknown command /tool. Did you mean /tools?" in done.screen
    assert "the scripted backend has no adapters" in done.screen


async def test_a_failed_turn_keeps_its_tool_calls_in_the_history(tmp_path):
    done = await drive(tmp_path, "go\r/exit\r", [call("toy__echo", text="done once")])
    assert [m.role for m in done.chat.history] == ["system", "user", "assistant", "tool"]
    assert done.turns() == ["error"]


def test_progress_notifications_update_the_running_tools_line():
    view = RichRenderer(Console(file=io.StringIO(), width=100, color_system=None))
    view.start_turn()
    started = ToolCall(id="c1", function=FunctionCall(name="toy__progress", arguments='{"steps": 3}'))
    view(ToolCallStarted(1, started))
    view(ToolProgress(1, "c1", 2, 3, "step 2 of 3"))
    label = view._activity.running["c1"][2]
    view.end_turn()
    assert label == "running toy__progress · 2/3 step 2 of 3"


def test_without_a_terminal_commands_work_and_answers_are_plain_lines(tmp_path):
    import subprocess

    script = tmp_path / "script.jsonl"
    script.write_text(json.dumps({"content": "Plain **answer**."}) + "\n")
    done = subprocess.run(
        [sys.executable, "-m", "agent.cli.main", "chat", "--backend", "scripted", "--script", str(script)]
        + ["--servers", "calc", "--quiet"],
        input="/tools calc\nhello\n/exit\nnever read\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Plain **answer**.\n"
    assert "calc__evaluate" in done.stderr


async def test_a_command_that_crashes_is_one_red_line_and_the_chat_goes_on(tmp_path):
    from agent.cli.repl.commands import COMMANDS, command

    @command("crash")
    async def crash(chat: Chat, rest: str) -> None:
        """A command with a bug."""
        raise RuntimeError("bug in a command")

    try:
        done = await drive(tmp_path, "/crash\rhello\r/exit\r", ["Still here."])
    finally:
        del COMMANDS["crash"]
    assert "/crash: failed: RuntimeError: bug in a command" in done.screen
    assert "Still here." in done.screen


async def test_a_turn_that_crashes_mid_way_stops_its_spinner_and_the_chat_goes_on(tmp_path, monkeypatch):
    def locked(*args: Any, **kwargs: Any) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(SessionStore, "add_messages", locked)  # the first step's write fails mid-turn
    done = await drive(tmp_path, "hello\r/history\r/exit\r", ["Hi."])
    assert "hello: failed: OperationalError: database is locked" in done.screen
    assert done.chat.view._live is None  # no live region left drawing over the prompt


async def test_unbalanced_quotes_in_command_arguments_are_a_clear_error(tmp_path):
    done = await drive(tmp_path, "/prompt toy:greet name='Ada\r/mcp add x -- echo \"hi\r/exit\r", [])
    assert 'cannot split "toy:greet name=\'Ada": No closing quotation' in done.screen
    assert "cannot split 'add x -- echo \"hi': No closing quotation" in done.screen


def test_markup_in_server_notices_is_printed_literally(monkeypatch):
    import agent.cli.agent_setup as setup

    console = Console(file=io.StringIO(), width=120, color_system=None)
    monkeypatch.setattr(setup, "err", console)
    setup.warn("evil", "tool skipped: [bold]x[/] and [/] stray")
    setup.warn("evil", "server [red]evil[/] failed to start")
    assert "evil: tool skipped: [bold]x[/] and [/] stray" in console.file.getvalue()
    assert "warning: server [red]evil[/] failed to start" in console.file.getvalue()


@pytest.mark.parametrize(
    ("answer", "key"),
    [("y", "y"), ("YES", "y"), (" no ", "n"), ("a", "a"), ("always", "a"), ("", "n"), ("abort", None), ("yep", None)],
)
def test_approval_answers_are_whole_keys_or_words_never_first_letters(answer, key):
    from agent.cli.repl.approvals import CHOICES
    from agent.cli.repl.io import match_choice

    assert match_choice(answer, CHOICES, "n") == key


async def test_an_unclear_approval_answer_is_asked_again(tmp_path):
    done = await drive(tmp_path, "delete a\rabort\rn\r/exit\r", [call("toy__delete_thing", name="a"), "Not deleted."])
    after_abort = done.screen[done.screen.index("always for this tool: abort") :]
    assert "Run toy__delete_thing?" in after_abort  # asked again, not taken as "always"
    assert done.chat.approvals.always == set()
    assert "declined" in done.chat.history[-2].content


def test_a_result_names_its_tool_and_is_cut_by_lines_and_characters():
    text = "\n".join(["x" * 500] + [f"line {i}" for i in range(20)])
    shown = result_text(text, False, 0.25, "toy__echo").plain
    first, *rest = shown.splitlines()
    assert first.startswith("  │ xxx") and first.endswith("…") and len(first) < 220
    assert rest[-1] == "  └ toy__echo · 0.25 s · +13 lines"
