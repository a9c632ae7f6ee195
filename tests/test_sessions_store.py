"""The session store on its own: real SQLite files, and real processes sharing one.

Writers killed mid-write are in tests/faults/test_sessions_crashes.py.
"""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import pytest

from agent.messages import (
    AssistantMessage,
    FunctionCall,
    FunctionSpec,
    SystemMessage,
    ToolCall,
    ToolMessage,
    ToolSpec,
    UserMessage,
)
from agent.sessions import store as store_module
from agent.sessions.store import SessionError, SessionStore, default_db_path
from tests.faults.bundled import python


def spec(name: str) -> ToolSpec:
    return ToolSpec(function=FunctionSpec(name=name))


CALL = ToolCall(id="c1", function=FunctionCall(name="calc__add", arguments='{"a": 1}'))
STEP = [AssistantMessage(content="adding", tool_calls=[CALL]), ToolMessage(tool_call_id="c1", content="2")]


@pytest.fixture
def store(tmp_path: Path):
    with SessionStore(tmp_path / "sessions.db") as opened:
        yield opened


def rows(path: Path, sql: str) -> list[tuple]:
    db = sqlite3.connect(path)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def test_the_default_path_follows_looptune_data_dir_then_xdg_data_home(monkeypatch, tmp_path):
    monkeypatch.setenv("LOOPTUNE_DATA_DIR", str(tmp_path / "mine"))
    assert default_db_path() == tmp_path / "mine" / "sessions.db"
    monkeypatch.delenv("LOOPTUNE_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_db_path() == tmp_path / "xdg" / "looptune" / "sessions.db"


def test_a_store_without_a_path_creates_its_directory_under_the_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("LOOPTUNE_DATA_DIR", str(tmp_path / "a" / "b"))
    with SessionStore() as opened:
        assert opened.path == tmp_path / "a" / "b" / "sessions.db" and opened.path.exists()
    assert rows(tmp_path / "a" / "b" / "sessions.db", "PRAGMA journal_mode") == [("wal",)]


def test_ids_are_twelve_hex_characters_and_sessions_keep_what_they_were_created_with(store):
    sid = store.create(backend="openai", model="gpt", source="run", meta={"servers": ["calc"]})
    assert len(sid) == 12 and int(sid, 16) >= 0
    info = store.info(sid)
    assert (info.backend, info.model, info.source, info.meta, info.turns, info.title) == (
        "openai", "gpt", "run", {"servers": ["calc"]}, 0, None,
    )  # fmt: skip


def test_messages_come_back_in_order_across_turns_as_the_same_wire_models(store):
    sid = store.create(backend="b", model="m")
    first = store.begin_turn(sid, [SystemMessage(content="sys"), UserMessage(content="1+1?")], [spec("calc__add")])
    store.add_messages(sid, first, STEP)
    store.add_messages(sid, first, [AssistantMessage(content="2")])
    store.end_turn(sid, first, "final", duration_s=0.5)
    second = store.begin_turn(sid, [UserMessage(content="thanks")], [])
    assert (first, second) == (1, 2)
    expected = [SystemMessage(content="sys"), UserMessage(content="1+1?"), *STEP, AssistantMessage(content="2")]
    assert store.messages(sid) == [*expected, UserMessage(content="thanks")]
    assert rows(store.path, "SELECT seq, turn FROM messages ORDER BY seq")[-2:] == [(4, 1), (5, 2)]


def test_each_step_bumps_the_steps_count_and_may_replace_the_turns_tools(store):
    sid = store.create(backend="b", model="m")
    turn = store.begin_turn(sid, [UserMessage(content="hi")], [spec("a__one")])
    store.add_messages(sid, turn, STEP)
    store.add_messages(sid, turn, [AssistantMessage(content="ok")], tools=[spec("a__one"), spec("b__two")])
    store.end_turn(sid, turn, "final", duration_s=1.25)
    [record] = store.turns(sid)
    assert (record.steps, [t.name for t in record.tools], record.duration_s) == (2, ["a__one", "b__two"], 1.25)
    assert record.ended_at is not None and record.ended_at >= record.started_at


def test_the_title_is_the_first_user_message_on_one_line_and_at_most_80_characters(store):
    sid = store.create(backend="b", model="m")
    store.begin_turn(sid, [SystemMessage(content="sys"), UserMessage(content="first\nline " + "x" * 200)], [])
    store.begin_turn(sid, [UserMessage(content="second")], [])
    title = store.info(sid).title
    assert title is not None and title.startswith("first line xx") and len(title) == 80 and "\n" not in title


def test_sessions_are_listed_by_last_update_newest_first_and_ending_a_turn_counts(store, monkeypatch):
    ticks = itertools.count()
    # A clock that always moves: two writes in the same millisecond would otherwise tie.
    monkeypatch.setattr(store_module, "now", lambda: f"2026-01-01T00:00:{next(ticks):06.3f}")
    old = store.create(backend="b", model="m")
    new = store.create(backend="b", model="m")
    turn = store.begin_turn(old, [UserMessage(content="again")], [])
    assert [s.id for s in store.list()] == [old, new]
    store.begin_turn(new, [UserMessage(content="newer")], [])
    store.end_turn(old, turn, "final")
    assert [s.id for s in store.list()] == [old, new] and [s.id for s in store.list(limit=1)] == [old]
    assert store.resolve(None) == old and store.info(old).turns == 1


def test_writing_to_an_unknown_session_or_turn_names_it(store):
    with pytest.raises(SessionError, match="no session 'feedfeedfeed'"):
        store.begin_turn("feedfeedfeed", [UserMessage(content="hi")], [])
    sid = store.create(backend="b", model="m")
    with pytest.raises(SessionError, match=f"no turn 3 in session '{sid}'"):
        store.add_messages(sid, 3, STEP)
    with pytest.raises(SessionError, match="no turn 1"):
        store.end_turn(sid, 1, "final")
    assert store.messages(sid) == []  # the failed append was rolled back


def test_deleting_a_session_removes_its_turns_and_messages(store):
    keep = store.create(backend="b", model="m")
    gone = store.create(backend="b", model="m")
    for sid in (keep, gone):
        store.begin_turn(sid, [UserMessage(content=sid)], [])
    store.delete(gone)
    with pytest.raises(SessionError, match=f"no session '{gone}'"):
        store.resolve(gone)
    assert rows(store.path, "SELECT DISTINCT session_id FROM messages") == [(keep,)]
    assert rows(store.path, "SELECT DISTINCT session_id FROM turns") == [(keep,)]


def test_a_file_that_is_not_a_database_is_refused_with_its_path(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("just some notes, long enough to have a header of sixteen bytes and more\n" * 20)
    with pytest.raises(SessionError, match="notes.db: cannot open the session database"):
        SessionStore(path)


def test_a_running_turn_is_running_to_its_writer_and_interrupted_to_other_readers(store):
    sid = store.create(backend="b", model="m")
    turn = store.begin_turn(sid, [UserMessage(content="slow")], [])
    assert store.turns(sid)[0].outcome == "running"
    with SessionStore(store.path) as other:
        assert other.turns(sid)[0].outcome == "interrupted"
    assert rows(store.path, "SELECT outcome FROM turns") == [("running",)]  # reported, never rewritten
    store.end_turn(sid, turn, "final")
    with SessionStore(store.path) as other:
        assert other.turns(sid)[0].outcome == "final"


WRITER = """
import sys
from agent.messages import AssistantMessage, UserMessage
from agent.sessions.store import SessionStore
path, sid, name = sys.argv[1:]
with SessionStore(path) as store:
    for i in range(15):
        turn = store.begin_turn(sid, [UserMessage(content=f"{name} {i}")], [])
        store.add_messages(sid, turn, [AssistantMessage(content=f"{name} {i} done")])
        store.end_turn(sid, turn, "final")
"""


def test_several_processes_can_write_one_session_at_once_without_losing_a_row(store):
    sid = store.create(backend="b", model="m")
    writers = [python(WRITER, str(store.path), sid, name) for name in ("left", "right")]
    for writer in writers:
        _, err = writer.communicate(timeout=60)
        assert writer.returncode == 0, err
    turns = store.turns(sid)
    assert [t.turn for t in turns] == list(range(1, 31)) and {t.outcome for t in turns} == {"final"}
    assert rows(store.path, "SELECT seq FROM messages ORDER BY seq") == [(seq,) for seq in range(60)]
    # Writers interleave between steps, but every message is filed under its own turn.
    by_turn = store.turn_messages(sid)
    assert all([m.content for m in ms] == [ms[0].content, f"{ms[0].content} done"] for ms in by_turn.values())
    assert len({ms[0].content for ms in by_turn.values()}) == 30


def test_the_latest_session_of_a_source_skips_newer_ones_of_other_sources(tmp_path):
    with SessionStore(tmp_path / "s.db") as store:
        chat = store.create(backend="scripted", model="m")
        store.create(backend="scripted", model="m", source="run")
        assert store.resolve(None, source="chat") == chat
        with pytest.raises(SessionError, match="no eval sessions stored yet"):
            store.resolve(None, source="eval")
