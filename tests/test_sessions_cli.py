"""`looptune sessions list|show|export|delete` as a person runs it: a real process on a real store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.messages import AssistantMessage, FunctionCall, ToolCall, ToolMessage, Trace, UserMessage
from agent.sessions.store import SessionStore

CALL = ToolCall(id="c1", function=FunctionCall(name="files__read", arguments='{"path": "notes.txt"}'))
RESULT = "\n".join(f"line {i}" for i in range(1, 11))


def looptune(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "160"}  # a wide table: titles are not cut whatever the caller's terminal
    command = [sys.executable, "-m", "agent.cli.main", "sessions", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=90, env=env)


def add_session(db: Path, question: str, outcomes: tuple[str, ...] = ("final",)) -> str:
    """A session with one turn per outcome: a question, a tool call, its result, an answer."""
    with SessionStore(db) as store:
        sid = store.create(backend="scripted", model="tiny-model")
        for n, outcome in enumerate(outcomes, 1):
            turn = store.begin_turn(sid, [UserMessage(content=f"{question} #{n}")], [])
            step = [AssistantMessage(tool_calls=[CALL]), ToolMessage(tool_call_id="c1", content=RESULT)]
            store.add_messages(sid, turn, step)
            store.add_messages(sid, turn, [AssistantMessage(content=f"Answer {n}.")])
            store.end_turn(sid, turn, outcome, error="the backend fell over" if outcome == "error" else None)
    return sid


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "elsewhere" / "sessions.db"


def test_an_empty_store_says_how_sessions_get_there(db):
    done = looptune("list", "--db", str(db))
    assert done.returncode == 0 and "no sessions yet" in done.stdout and "looptune chat" in done.stdout


def test_list_shows_each_session_with_its_turns_model_and_title_newest_first(db):
    older = add_session(db, "what is in notes?", ("final", "final"))
    newer = add_session(db, "summarise the notes")
    done = looptune("list", "--db", str(db))
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if older in line or newer in line]
    assert [newer in lines[0], older in lines[1]] == [True, True]
    assert " 2 " in lines[1] and "tiny-model" in lines[1] and "what is in notes? #1" in lines[1]
    limited = looptune("list", "--db", str(db), "--limit", "1")
    assert newer in limited.stdout and older not in limited.stdout


def test_the_default_store_is_the_data_dir_one(tmp_path):
    sid = add_session(tmp_path / "data" / "sessions.db", "stored by default")  # conftest's LOOPTUNE_DATA_DIR
    assert sid in looptune("list").stdout


def test_show_prints_the_conversation_tool_calls_clipped_results_and_turn_outcomes(db):
    sid = add_session(db, "read my notes", ("final", "error"))
    done = looptune("show", sid[:5], "--db", str(db))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert f"session {sid}" in out and "scripted: tiny-model" in out
    assert "you> read my notes #1" in out and "Answer 1." in out
    assert 'files__read {"path": "notes.txt"}' in out and "line 1" in out and "+7 lines" in out
    assert "line 9" not in out
    assert "1: final, 2: error (the backend fell over)" in out


def test_show_without_an_id_shows_the_latest_session(db):
    add_session(db, "first one")
    add_session(db, "latest one")
    out = looptune("show", "--db", str(db)).stdout
    assert "latest one" in out and "first one" not in out


def test_an_ambiguous_prefix_is_a_usage_error_listing_the_candidates(db):
    with SessionStore(db) as store:
        for new_id in ("abcd00000001", "abcd00000002"):
            store.db.execute("UPDATE sessions SET id = ? WHERE id = ?", (new_id, store.create(backend="b", model="m")))
    done = looptune("show", "abcd", "--db", str(db))
    assert done.returncode == 2 and "ambiguous: abcd00000001, abcd00000002" in done.stderr
    assert "Traceback" not in done.stderr


def test_export_writes_one_trace_per_session_and_prints_the_counts(db, tmp_path):
    good = add_session(db, "good", ("final", "final"))
    mixed = add_session(db, "mixed", ("final", "error", "final"))
    out = tmp_path / "traces.jsonl"
    done = looptune("export", "--db", str(db), "--ok-only", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "2 sessions (3 turns) exported" in done.stdout and "skipped 0 sessions and 2 turns" in done.stdout
    traces = [Trace.model_validate_json(line) for line in out.read_text().splitlines()]
    assert [t.meta["session"] for t in traces] == [good, mixed]
    assert [len(t.meta["turns"]) for t in traces] == [2, 1] and traces[1].messages[-1].content == "Answer 1."


def test_export_of_chosen_ids_names_each_once(db, tmp_path):
    sid = add_session(db, "one")
    add_session(db, "other")
    out = tmp_path / "one.jsonl"
    done = looptune("export", sid, sid[:6], "--db", str(db), "-o", str(out))
    assert done.returncode == 0 and "1 sessions (1 turns)" in done.stdout
    assert Trace.model_validate_json(out.read_text()).meta["session"] == sid


def test_export_that_keeps_nothing_exits_1_says_why_and_leaves_the_file_alone(db, tmp_path):
    add_session(db, "broken", ("error",))
    out = tmp_path / "none.jsonl"
    out.write_text("an earlier export\n")
    done = looptune("export", "--db", str(db), "--ok-only", "-o", str(out))
    assert done.returncode == 1
    assert "nothing to export (1 sessions skipped)" in done.stdout and "left as it was" in done.stdout
    assert out.read_text() == "an earlier export\n"


def test_delete_removes_the_session_and_an_unknown_id_is_a_usage_error(db):
    sid = add_session(db, "forget me")
    done = looptune("delete", sid[:8], "--db", str(db))
    assert done.returncode == 0 and f"deleted session {sid}" in done.stdout
    again = looptune("delete", sid, "--db", str(db))
    assert again.returncode == 2 and f"no session '{sid}'" in again.stderr


def test_a_database_file_that_is_not_one_is_a_clear_error(tmp_path):
    bogus = tmp_path / "bogus.db"
    bogus.write_text("not sqlite at all, but long enough to look like it has a header\n" * 10)
    done = looptune("list", "--db", str(bogus))
    assert done.returncode == 2 and "bogus.db: cannot open the session database" in done.stderr
    assert "Traceback" not in done.stderr


def test_list_prints_titles_with_markup_literally(db):
    add_session(db, "why does [bold]x[/] break? and [/] too")
    done = looptune("list", "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert "why does [bold]x[/] break?" in done.stdout


def test_a_session_store_that_cannot_be_opened_is_a_usage_error_suggesting_no_save(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data dir should be")
    script = tmp_path / "script.jsonl"
    script.write_text('"hi"\n')
    env = {**os.environ, "LOOPTUNE_DATA_DIR": str(blocker)}
    command = [sys.executable, "-m", "agent.cli.main", "run", "hello", "--backend", "scripted", "--script", str(script)]
    done = subprocess.run([*command, "--servers", "calc"], capture_output=True, text=True, timeout=90, env=env)
    assert done.returncode == 2
    assert f"cannot open the session store {blocker}/sessions.db" in done.stderr and "--no-save" in done.stderr
    again = subprocess.run(
        [*command, "--servers", "calc", "--no-save"], capture_output=True, text=True, timeout=90, env=env
    )
    assert again.returncode == 0 and "hi" in again.stdout
