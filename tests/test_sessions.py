"""The session store, the turn recorder and `looptune sessions`: real SQLite, a real loop, real processes."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from agent.backends.scripted import ScriptedBackend
from agent.hub.results import ToolOutcome
from agent.loop import AgentLoop, ToolCallStarted
from agent.messages import FunctionSpec, Message, SystemMessage, ToolSpec, Trace, UserMessage
from agent.sessions.export import export_sessions, session_trace
from agent.sessions.recorder import CANCELLED_CALL, TurnRecorder
from agent.sessions.store import SessionError, SessionStore

WAIT_S = 30
TOOL = ToolSpec(function=FunctionSpec(name="box__wait", parameters={"type": "object", "properties": {}}))


class Box:
    """A toolbox with one tool that answers at once, or waits until released."""

    def __init__(self, block: bool = False) -> None:
        self.block = block
        self.release = anyio.Event()

    def specs(self) -> list[ToolSpec]:
        return [TOOL]

    def needs_approval(self, name: str) -> bool:
        return False

    async def call(self, name: str, arguments: str, progress: Any = None) -> ToolOutcome:
        if self.block:
            await self.release.wait()
        return ToolOutcome("waited")


def wait_call() -> dict[str, Any]:
    return {"tool_calls": [{"name": "box__wait", "arguments": {}}]}


async def record(store: SessionStore, sid: str, history: list[Message], text: str, turns, box=None) -> TurnRecorder:
    """Run one turn through a real loop, recording every event."""
    loop = AgentLoop(ScriptedBackend(turns), box or Box())
    recorder = TurnRecorder(store, sid, history)
    recorder.begin([UserMessage(content=text)], [TOOL])
    with anyio.fail_after(WAIT_S):
        async with loop.stream(recorder.history) as events:
            async for event in events:
                recorder.on_event(event)
    return recorder


@pytest.fixture
def store(tmp_path: Path):
    with SessionStore(tmp_path / "sessions.db") as opened:
        yield opened


@pytest.mark.anyio
async def test_every_step_is_stored_as_it_ends_and_the_turn_gets_its_outcome(store):
    sid = store.create(backend="scripted", model="m")
    recorder = await record(store, sid, [SystemMessage(content="sys")], "hello", [wait_call(), "Done."])
    assert [m.role for m in store.messages(sid)] == ["user", "assistant", "tool", "assistant"]
    assert recorder.history[0].role == "system" and len(recorder.history) == 5
    [turn] = store.turns(sid)
    assert (turn.outcome, turn.steps, [t.name for t in turn.tools]) == ("final", 2, ["box__wait"])
    assert store.info(sid).title == "hello"


@pytest.mark.anyio
async def test_a_turn_cancelled_mid_tool_leaves_a_history_a_model_can_continue(store):
    sid = store.create(backend="scripted", model="m")
    box = Box(block=True)
    loop = AgentLoop(ScriptedBackend([{"content": "Let me wait.", **wait_call()}]), box)
    recorder = TurnRecorder(store, sid, [])
    recorder.begin([UserMessage(content="wait")], [TOOL])
    with anyio.fail_after(WAIT_S), anyio.CancelScope() as scope:
        async with loop.stream(recorder.history) as events:
            async for event in events:
                recorder.on_event(event)
                if isinstance(event, ToolCallStarted):
                    scope.cancel()
    recorder.cancel()
    roles = [m.role for m in store.messages(sid)]
    assert roles == ["user", "assistant", "tool"]
    assert store.messages(sid)[-1].content == CANCELLED_CALL
    assert store.messages(sid)[1].content == "Let me wait."
    assert store.turns(sid)[0].outcome == "cancelled"


def test_a_turn_whose_writer_died_reads_as_interrupted(store):
    sid = store.create(backend="scripted", model="m")
    store.begin_turn(sid, [UserMessage(content="never answered")], [])
    with SessionStore(store.path) as reader:
        assert reader.turns(sid)[0].outcome == "interrupted"
        assert [m.content for m in reader.messages(sid)] == ["never answered"]


def test_sessions_are_found_by_unique_prefix_and_ambiguity_is_explained(store):
    first = store.create(backend="b", model="m")
    assert store.resolve(first[:6]) == first
    assert store.resolve(None) == first
    with pytest.raises(SessionError, match="too short"):
        store.resolve(first[:2])
    with pytest.raises(SessionError, match="no session 'ffffffffffff'"):
        store.resolve("ffffffffffff")
    store.db.execute("UPDATE sessions SET id = 'abcd01' WHERE id = ?", (first,))
    store.create(backend="b", model="m")
    store.db.execute("UPDATE sessions SET id = 'abcd02' WHERE id != 'abcd01'")
    with pytest.raises(SessionError, match="ambiguous: abcd01, abcd02"):
        store.resolve("abcd")


def test_an_empty_store_says_so_and_a_newer_schema_is_refused(tmp_path):
    with SessionStore(tmp_path / "s.db") as empty, pytest.raises(SessionError, match="no sessions stored yet"):
        empty.resolve(None)
    db = sqlite3.connect(tmp_path / "s.db")
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(SessionError, match="newer looptune"):
        SessionStore(tmp_path / "s.db")


@pytest.mark.anyio
async def test_ok_only_export_cuts_a_session_before_its_first_failed_turn(store, tmp_path):
    sid = store.create(backend="scripted", model="m")
    history = (await record(store, sid, [], "one", ["First."])).history
    history = (await record(store, sid, history, "two", [])).history  # the script is empty: the turn fails
    await record(store, sid, history, "three", ["Third."])
    trace, counts = session_trace(store, sid, ok_only=True)
    assert trace is not None and [m.role for m in trace.messages] == ["user", "assistant"]
    assert (counts.turns, counts.skipped_turns) == (1, 2)
    full, _ = session_trace(store, sid, ok_only=False)
    assert [t["outcome"] for t in full.meta["turns"]] == ["final", "error", "final"]
    report = export_sessions(store, [sid], tmp_path / "out.jsonl", ok_only=True)
    line = Trace.model_validate_json((tmp_path / "out.jsonl").read_text())
    assert report.sessions == 1 and line.meta["session"] == sid and line.tools[0].name == "box__wait"


def looptune(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agent.cli.main", *args], capture_output=True, text=True, timeout=90, input=stdin
    )


def test_run_and_chat_store_sessions_that_the_sessions_command_lists_shows_and_exports(tmp_path):
    script = tmp_path / "script.jsonl"
    script.write_text(json.dumps({"content": "Four."}) + "\n" + json.dumps({"content": "Hi!"}) + "\n")
    flags = ["--backend", "scripted", "--script", str(script), "--servers", "calc"]
    assert looptune("run", "what is 2+2?", *flags).returncode == 0
    assert looptune("run", "not stored", *flags, "--no-save").returncode == 0
    listed = looptune("sessions", "list")
    assert "what is 2+2?" in listed.stdout and "not stored" not in listed.stdout, listed.stderr
    shown = looptune("sessions", "show")
    assert "you> what is 2+2?" in shown.stdout and "Four." in shown.stdout and "1: final" in shown.stdout
    out = tmp_path / "traces.jsonl"
    exported = looptune("sessions", "export", "--ok-only", "-o", str(out))
    assert exported.returncode == 0 and "1 sessions (1 turns) exported" in exported.stdout
    trace = Trace.model_validate_json(out.read_text())
    assert [m.role for m in trace.messages] == ["system", "user", "assistant"] and trace.meta["source"] == "run"


def test_unknown_session_ids_are_a_usage_error(tmp_path):
    done = looptune("sessions", "show", "deadbeef")
    assert done.returncode == 2 and "no session 'deadbeef'" in done.stderr
    resumed = looptune("chat", "--backend", "scripted", "--script", "/dev/null", "--resume", "deadbeef", stdin="")
    assert resumed.returncode == 2 and "no session 'deadbeef'" in resumed.stderr
