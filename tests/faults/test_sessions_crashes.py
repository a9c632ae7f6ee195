"""Crashes of the session store: writers killed between steps and in the middle of a write.

A session database must open after any crash, pass SQLite's integrity check,
and hold every step that was committed, each whole: a crash loses at most the
step in flight.
"""

from __future__ import annotations

import signal
import sqlite3
from contextlib import closing

from agent.sessions.store import SessionStore
from tests.faults.bundled import python

KILLED = """
import os, signal, sys
from agent.messages import AssistantMessage, UserMessage
from agent.sessions.store import SessionStore
store = SessionStore(sys.argv[1])
sid = store.create(backend="b", model="m")
turn = store.begin_turn(sid, [UserMessage(content="question")], [])
store.add_messages(sid, turn, [AssistantMessage(content="first step")])
print(sid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_writer_killed_mid_turn_loses_nothing_it_wrote_and_its_turn_reads_as_interrupted(tmp_path):
    path = tmp_path / "sessions.db"
    killed = python(KILLED, str(path))
    out, err = killed.communicate(timeout=60)
    assert killed.returncode == -9, err
    with SessionStore(path) as store:
        sid = store.resolve(out.strip())
        assert [m.content for m in store.messages(sid)] == ["question", "first step"]
        [turn] = store.turns(sid)
        assert (turn.outcome, turn.steps) == ("interrupted", 1)


WRITING = """
import sys
from agent.messages import AssistantMessage, ToolMessage, UserMessage
from agent.sessions.store import SessionStore
store = SessionStore(sys.argv[1])
sid = store.create(backend="b", model="m")
turn = store.begin_turn(sid, [UserMessage(content="go")], [])
print(sid, flush=True)
step = 0
while True:
    step += 1
    big = ToolMessage(tool_call_id="c", content="x" * 20000)  # large, so the kill often lands inside a write
    store.add_messages(sid, turn, [AssistantMessage(content=f"step {step}"), big])
    print(step, flush=True)
"""


def test_a_writer_killed_while_writing_leaves_a_sound_database_with_every_committed_step_whole(tmp_path):
    path = tmp_path / "sessions.db"
    writer = python(WRITING, str(path))
    assert writer.stdout is not None
    sid = writer.stdout.readline().strip()
    committed = [int(writer.stdout.readline()) for _ in range(20)][-1]
    writer.send_signal(signal.SIGKILL)
    writer.communicate(timeout=60)
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    with SessionStore(path) as store:
        contents = [m.content for m in store.messages(store.resolve(sid))]
        [turn] = store.turns(sid)
    steps = turn.steps
    assert steps >= committed and turn.outcome == "interrupted"
    # "go", then each step's two messages, in order, none torn off its partner.
    assert contents[0] == "go" and len(contents) == 1 + 2 * steps
    assert contents[1::2] == [f"step {n}" for n in range(1, steps + 1)]
    assert all(len(text) == 20000 for text in contents[2::2])
