"""`looptune chat` end to end in a pseudo-terminal: scripted model, real bundled MCP servers, real keys."""

from __future__ import annotations

import pytest

from agent.sessions.store import SessionStore
from tests.ptychat import PtyChat, write_script

SLEEP = {"name": "sandbox__run_python", "arguments": {"code": "import time\ntime.sleep(60)", "timeout_s": 60}}
SCRIPTED = ["--backend", "scripted", "--servers", "tasks,sandbox"]


@pytest.fixture
def chat_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LOOPTUNE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def test_a_terminal_session_calls_tools_asks_before_deleting_and_survives_ctrl_c(chat_dir):
    script = write_script(
        chat_dir / "script.jsonl",
        [
            {"tool_calls": [{"name": "tasks__add_task", "arguments": {"title": "buy milk"}}]},
            {"content": "Added **buy milk**."},
            {"tool_calls": [{"name": "tasks__delete_task", "arguments": {"task_id": 1}}]},
            {"content": "Fine, I left it."},
            {"tool_calls": [SLEEP]},
            {"content": "Still here after the interrupt."},
        ],
    )
    chat = PtyChat(*SCRIPTED, "--script", str(script), cwd=chat_dir)
    try:
        chat.expect("you>")
        chat.line("add buy milk")
        chat.expect("Run tasks__add_task?")  # every tool not annotated read-only asks first
        chat.line("y")
        chat.expect("Added buy milk.")
        chat.expect("2 steps · 1 tool call")

        chat.line("now delete it")
        chat.expect("Run tasks__delete_task?")
        chat.line("n")
        chat.expect("the user declined this call")
        chat.expect("Fine, I left it.")

        chat.line("sleep a minute")
        chat.expect("Run sandbox__run_python?")
        chat.line("y")
        chat.expect("running sandbox__run_python")
        chat.interrupt()
        chat.expect("cancelled")
        chat.expect("you>")

        chat.line("/tools")
        chat.expect("tasks__delete_task")
        chat.line("/adapter off")
        chat.expect("the scripted backend has no adapters")
        chat.line("are you there?")
        chat.expect("Still here after the interrupt.")
        chat.line("/exit")
        assert chat.wait_exit() == 0
    finally:
        chat.kill()
    with SessionStore() as store:
        turns = store.turns(store.resolve(None))
    assert [t.outcome for t in turns] == ["final", "final", "cancelled", "final"]


def test_a_session_killed_mid_turn_resumes_with_every_completed_turn(chat_dir):
    script = write_script(
        chat_dir / "script.jsonl",
        [
            {"tool_calls": [{"name": "tasks__add_task", "arguments": {"title": "water plants"}}]},
            {"content": "Added water plants."},
            {"content": "Noted: the meeting is on Friday."},
            {"tool_calls": [SLEEP]},
        ],
    )
    chat = PtyChat(*SCRIPTED, "--script", str(script), cwd=chat_dir)
    try:
        chat.expect("you>")
        chat.line("remember to water plants")
        chat.expect("Run tasks__add_task?")
        chat.line("y")
        chat.expect("Added water plants.")
        chat.line("the meeting is on friday")
        chat.expect("Noted: the meeting is on Friday.")
        chat.line("now wait")
        chat.expect("Run sandbox__run_python?")
        chat.line("y")
        chat.expect("running sandbox__run_python")
    finally:
        chat.kill()  # kill -9: no clean-up code runs

    again = PtyChat(*SCRIPTED, "--script", str(script), "--resume", cwd=chat_dir)
    try:
        again.expect("resuming session")
        again.expect("you> remember to water plants")
        again.expect("tasks__add_task")
        again.expect("Added water plants.")
        again.expect("you> the meeting is on friday")
        again.expect("Noted: the meeting is on Friday.")
        again.expect("you> now wait")
        again.expect("you>")
        again.line("/exit")
        assert again.wait_exit() == 0
    finally:
        again.kill()


def test_adapters_are_swapped_and_turned_off_live_without_a_restart(chat_dir, tiny_model_dir):
    from tests.tiny import make_adapter

    adapter = make_adapter(tiny_model_dir, chat_dir / "adapter", seed=3)
    flags = ["--backend", "local", "--model", str(tiny_model_dir), "--adapter", str(adapter), "--servers", "calc"]
    chat = PtyChat(*flags, cwd=chat_dir)
    try:
        chat.expect(f"adapter {adapter}")  # the toolbar
        chat.line("/adapter off")
        chat.expect("you> /adapter off")
        chat.expect("model: ")
        chat.line("/model")
        chat.expect("adapter  none")
        chat.line(f"/adapter {adapter}")
        chat.expect(f"+ adapter {adapter}")
        chat.line("/exit")
        assert chat.wait_exit() == 0
    finally:
        chat.kill()
