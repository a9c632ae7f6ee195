"""What the chat keeps between turns and on disk: cancelled turns, which session --resume picks, input history."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import anyio
import pytest
from prompt_toolkit.history import FileHistory, InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

import agent.cli.chat as chat_cmd
from agent.backends.base import BackendEvent, ChatRequest
from agent.cli.main import build_parser
from agent.cli.repl.app import Chat
from agent.cli.repl.io import PlainIO
from agent.cli.repl.terminal import TerminalIO
from agent.cli.repl.view import PlainView
from agent.hub import Hub
from agent.loop import AgentLoop, LoopConfig
from agent.messages import UserMessage
from agent.sessions.store import SessionStore

WAIT_S = 30


class Stalled:
    """A model that never says anything: the turn can only end by being cancelled."""

    name = "stalled"

    def __init__(self) -> None:
        self.asked = anyio.Event()

    async def stream(self, request: ChatRequest) -> AsyncIterator[BackendEvent]:
        self.asked.set()
        await anyio.sleep_forever()
        yield  # pragma: no cover - makes this an async generator

    async def aclose(self) -> None:
        return None


@pytest.mark.anyio
async def test_ctrl_c_before_any_output_answers_the_question_so_the_history_alternates(tmp_path):
    backend = Stalled()
    args = build_parser().parse_args(["chat", "--backend", "scripted"])
    console = Console(file=io.StringIO(), color_system=None)
    with SessionStore(tmp_path / "s.db") as store:
        async with Hub({}) as hub:
            loop = AgentLoop(backend, hub, LoopConfig())
            chat = Chat(args, loop, hub, PlainIO(io.StringIO()), PlainView(console), console, store)
            with anyio.fail_after(WAIT_S):
                async with anyio.create_task_group() as group:
                    group.start_soon(chat.turn, [UserMessage(content="hello")])
                    await backend.asked.wait()
                    chat._scopes[-1].cancel()  # what Ctrl+C does during a turn
        expected = [("user", "hello"), ("assistant", "[cancelled]")]
        assert [(m.role, m.content) for m in chat.history] == expected
        assert [(m.role, m.content) for m in store.messages(chat.session_id)] == expected
        assert store.turns(chat.session_id)[0].outcome == "cancelled"


def test_resume_without_an_id_picks_the_latest_chat_session_not_a_newer_run(tmp_path):
    with SessionStore(tmp_path / "s.db") as store:
        conversation = store.create(backend="scripted", model="m")
        store.create(backend="scripted", model="m", source="run")
        assert chat_cmd._resumed(store, "") == conversation
        assert chat_cmd._resumed(store, None) is None


@pytest.mark.parametrize(("save", "kind"), [(True, FileHistory), (False, InMemoryHistory)])
def test_no_save_keeps_the_typed_lines_in_memory_only(save, kind, monkeypatch, tmp_path):
    data = tmp_path / "data"
    monkeypatch.setenv("LOOPTUNE_DATA_DIR", str(data))
    with create_pipe_input() as pipe:
        monkeypatch.setattr(chat_cmd, "TerminalIO", lambda **kw: TerminalIO(input=pipe, output=DummyOutput(), **kw))
        term, _ = chat_cmd._front_end(True, Console(file=io.StringIO()), save=save)
        assert isinstance(term.session.history, kind)
    assert data.exists() == save  # with --no-save not even the directory is made
