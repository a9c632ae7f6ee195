"""The bundled `tasks` server (a to-do list in SQLite) through the real hub."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import anyio
import pytest

from agent.hub import Hub
from agent.registry import ServerConfig
from mcp_servers.tasks import build
from tests.clirun import scripted_run

pytestmark = pytest.mark.anyio


def stdio(db: Path) -> dict[str, ServerConfig]:
    """The tasks server as a subprocess speaking stdio, on `db`."""
    return {"tasks": ServerConfig(command=sys.executable, args=["-m", "mcp_servers.tasks", "--db", str(db)])}


async def add(hub: Hub, title: str, **fields) -> int:
    outcome = await hub.call("tasks__add_task", {"title": title, **fields})
    assert not outcome.is_error, outcome.text
    return outcome.structured["task"]["id"]


async def test_the_five_catalog_tools_carry_their_hints_and_enums(tmp_path):
    with anyio.fail_after(30):
        async with Hub(stdio(tmp_path / "t.db")) as hub:
            tools = {t.tool.name: t.tool for t in hub.tools()}
            needs_approval = {name: hub.needs_approval(f"tasks__{name}") for name in tools}
    assert needs_approval == {
        "add_task": True,  # additive (destructiveHint false) still changes things: it asks under the default policy
        "list_tasks": False,
        "complete_task": True,
        "update_task": True,
        "delete_task": True,
    }
    assert tools["list_tasks"].annotations.read_only_hint
    assert tools["add_task"].annotations.read_only_hint is False and not tools["add_task"].annotations.destructive_hint
    add_props = tools["add_task"].input_schema["properties"]
    assert add_props["priority"] == {
        "default": "normal",
        "enum": ["low", "normal", "high"],
        "title": "Priority",
        "type": "string",
    }
    assert (add_props["due"]["default"], add_props["tags"]["default"]) == (None, [])
    status = tools["list_tasks"].input_schema["properties"]["status"]
    assert (status["enum"], status["default"]) == (["open", "done", "all"], "open")
    assert tools["complete_task"].input_schema["properties"]["task_id"]["type"] == "integer"


async def test_an_added_task_comes_back_with_its_id_and_every_field_in_the_text(tmp_path):
    with anyio.fail_after(30):
        async with Hub(stdio(tmp_path / "t.db")) as hub:
            added = await hub.call(
                "tasks__add_task", {"title": " buy  milk ", "due": "2026-11-27", "priority": "high", "tags": ["Home"]}
            )
            listed = await hub.call("tasks__list_tasks", {})
    line = "id 1: buy milk | due 2026-11-27 | priority high | open | tags: home"
    assert added.text == f"Added task {line}"
    task = added.structured["task"]
    assert (task["id"], task["title"], task["due"], task["priority"], task["status"], task["tags"]) == (
        1,
        "buy milk",
        "2026-11-27",
        "high",
        "open",
        ["home"],
    )
    assert listed.text == f"1 open task:\n{line}"
    assert listed.structured == {"tasks": [task]}


async def test_due_dates_must_be_iso_yyyy_mm_dd_and_the_error_shows_the_format(tmp_path):
    bad = ["next friday", "27/11/2026", "20261127", "2026-W48-5", "2026-2-3", "2026-02-30", ""]
    with anyio.fail_after(30):
        async with Hub(stdio(tmp_path / "t.db")) as hub:
            outcomes = [await hub.call("tasks__add_task", {"title": "x", "due": d}) for d in bad]
            good = await hub.call("tasks__add_task", {"title": "leap", "due": "2028-02-29"})
            bad_update = await hub.call("tasks__update_task", {"task_id": 1, "due": "tomorrow"})
            listed = await hub.call("tasks__list_tasks", {"status": "all"})
    for due, outcome in zip(bad, outcomes, strict=True):
        assert outcome.is_error and "YYYY-MM-DD" in outcome.text and "e.g. 2026-11-27" in outcome.text, due
    assert "not a real date" in outcomes[5].text
    assert not good.is_error and good.structured["task"]["due"] == "2028-02-29"
    assert bad_update.is_error and "YYYY-MM-DD" in bad_update.text
    assert [t["title"] for t in listed.structured["tasks"]] == ["leap"]


async def test_a_priority_outside_the_enum_is_rejected_naming_the_field(tmp_path):
    with anyio.fail_after(30):
        async with Hub(stdio(tmp_path / "t.db")) as hub:
            outcome = await hub.call("tasks__add_task", {"title": "x", "priority": "urgent"})
    assert outcome.is_error and "'priority'" in outcome.text


async def test_tasks_are_sorted_open_first_then_by_due_date_with_undated_last_then_id(tmp_path):
    with anyio.fail_after(30):
        async with Hub(stdio(tmp_path / "t.db")) as hub:
            await add(hub, "undated A")
            await add(hub, "late", due="2026-12-24")
            await add(hub, "early", due="2026-01-05")
            await add(hub, "undated B")
            await add(hub, "early too", due="2026-01-05")
            await add(hub, "finished", due="2025-06-01")
            await hub.call("tasks__complete_task", {"task_id": 6})
            open_ = await hub.call("tasks__list_tasks", {})
            every = await hub.call("tasks__list_tasks", {"status": "all"})
            done = await hub.call("tasks__list_tasks", {"status": "done"})
    assert [t["id"] for t in open_.structured["tasks"]] == [3, 5, 2, 1, 4]
    assert [t["id"] for t in every.structured["tasks"]] == [3, 5, 2, 1, 4, 6]
    assert [t["id"] for t in done.structured["tasks"]] == [6]
    assert every.text.splitlines() == [
        "6 tasks:",
        "id 3: early | due 2026-01-05 | priority normal | open",
        "id 5: early too | due 2026-01-05 | priority normal | open",
        "id 2: late | due 2026-12-24 | priority normal | open",
        "id 1: undated A | no due date | priority normal | open",
        "id 4: undated B | no due date | priority normal | open",
        "id 6: finished | due 2025-06-01 | priority normal | done",
    ]


async def test_the_tag_filter_matches_case_insensitively_and_an_empty_list_says_so(tmp_path):
    with anyio.fail_after(30):
        async with Hub(stdio(tmp_path / "t.db")) as hub:
            await add(hub, "groceries", tags=["home", "errands"])
            await add(hub, "report", tags=["work"])
            await add(hub, "vacuum", tags=["Home"])
            home = await hub.call("tasks__list_tasks", {"tag": "HOME"})
            none = await hub.call("tasks__list_tasks", {"tag": "garden"})
            done = await hub.call("tasks__list_tasks", {"status": "done"})
    assert [t["title"] for t in home.structured["tasks"]] == ["groceries", "vacuum"]
    assert home.text.splitlines()[0] == "2 open tasks tagged 'home':"
    assert "tags: home, errands" in home.text
    assert none.text == "No open tasks tagged 'garden'." and none.structured == {"tasks": []}
    assert done.text == "No done tasks."


async def test_completing_marks_done_and_completing_again_says_so_without_an_error(tmp_path):
    with anyio.fail_after(30):
        async with Hub(stdio(tmp_path / "t.db")) as hub:
            task_id = await add(hub, "file taxes", due="2026-04-15")
            first = await hub.call("tasks__complete_task", {"task_id": task_id})
            again = await hub.call("tasks__complete_task", {"task_id": task_id})
            missing = await hub.call("tasks__complete_task", {"task_id": 99})
            huge = await hub.call("tasks__complete_task", {"task_id": 10**20})
            open_ = await hub.call("tasks__list_tasks", {})
    assert first.text == "Completed task id 1: file taxes | due 2026-04-15 | priority normal | done"
    assert first.structured["already_done"] is False and first.structured["task"]["completed"]
    assert not again.is_error and "already done" in again.text and again.structured["already_done"] is True
    assert missing.is_error and "id 99" in missing.text and "list_tasks" in missing.text
    assert huge.is_error and f"id {10**20}" in huge.text
    assert open_.text == "No open tasks."


async def test_update_changes_only_the_given_fields_and_an_empty_due_clears_it(tmp_path):
    with anyio.fail_after(30):
        async with Hub(stdio(tmp_path / "t.db")) as hub:
            task_id = await add(hub, "call mom", due="2026-05-01", priority="low", tags=["family"])
            due_only = await hub.call("tasks__update_task", {"task_id": task_id, "due": "2026-05-03"})
            explicit_nulls = await hub.call(
                "tasks__update_task", {"task_id": task_id, "title": None, "due": None, "priority": "high"}
            )
            renamed = await hub.call("tasks__update_task", {"task_id": task_id, "title": "call mum"})
            cleared = await hub.call("tasks__update_task", {"task_id": task_id, "due": ""})
            nothing = await hub.call("tasks__update_task", {"task_id": task_id})
            blank = await hub.call("tasks__update_task", {"task_id": task_id, "title": "  "})
            missing = await hub.call("tasks__update_task", {"task_id": 7, "title": "x"})
    assert due_only.structured["task"] | {"created": ""} == {
        "id": 1,
        "title": "call mom",
        "due": "2026-05-03",
        "priority": "low",
        "status": "open",
        "tags": ["family"],
        "created": "",
        "completed": None,
    }
    assert (
        due_only.text
        == "Updated task 1 (due 2026-05-03): id 1: call mom | due 2026-05-03 | priority low | open | tags: family"
    )
    assert explicit_nulls.structured["task"]["due"] == "2026-05-03" and explicit_nulls.structured["changed"] == [
        "priority"
    ]
    assert renamed.structured["task"]["title"] == "call mum" and renamed.structured["task"]["priority"] == "high"
    assert cleared.structured["task"]["due"] is None and "due cleared" in cleared.text
    assert nothing.is_error and "nothing to update" in nothing.text
    assert blank.is_error and "title must be" in blank.text
    assert missing.is_error and "id 7" in missing.text


async def test_delete_removes_the_task_and_an_unknown_id_is_an_error_naming_it(tmp_path):
    with anyio.fail_after(30):
        async with Hub(stdio(tmp_path / "t.db")) as hub:
            keep = await add(hub, "keep")
            drop = await add(hub, "drop", priority="high")
            deleted = await hub.call("tasks__delete_task", {"task_id": drop})
            again = await hub.call("tasks__delete_task", {"task_id": drop})
            listed = await hub.call("tasks__list_tasks", {"status": "all"})
    assert deleted.text == "Deleted task id 2: drop | no due date | priority high | open"
    assert again.is_error and "id 2" in again.text
    assert [t["id"] for t in listed.structured["tasks"]] == [keep]


async def test_tasks_and_their_ids_survive_a_restart_and_ids_are_never_reused(tmp_path):
    db = tmp_path / "t.db"
    with anyio.fail_after(60):
        async with Hub(stdio(db)) as hub:
            await add(hub, "persist", due="2026-07-01", tags=["x"])
            await add(hub, "gone")
            await hub.call("tasks__complete_task", {"task_id": 1})
            await hub.call("tasks__delete_task", {"task_id": 2})
        async with Hub(stdio(db)) as hub:
            listed = await hub.call("tasks__list_tasks", {"status": "all"})
            new_id = await add(hub, "fresh")
    assert listed.text == "1 task:\nid 1: persist | due 2026-07-01 | priority normal | done | tags: x"
    assert new_id == 3


async def test_an_in_process_server_starts_empty_and_keeps_its_state_in_the_state_dir(tmp_path):
    config = ServerConfig(factory="mcp_servers.tasks:build", args=["--state-dir", str(tmp_path / "state")])
    with anyio.fail_after(30):
        async with Hub({"tasks": config}) as hub:
            empty = await hub.call("tasks__list_tasks", {})
            await add(hub, "in process")
    assert empty.text == "No open tasks." and empty.structured == {"tasks": []}
    with sqlite3.connect(tmp_path / "state" / "tasks.db") as conn:
        rows = conn.execute("SELECT title FROM tasks").fetchall()
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    conn.close()
    assert rows == [("in process",)] and mode == "wal"


def test_a_db_that_is_not_sqlite_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "junk.db").write_text("not a database")
    with pytest.raises(SystemExit):
        build(["--db", str(tmp_path / "junk.db")])
    assert "file is not a database" in capsys.readouterr().err


async def test_two_servers_built_in_one_process_keep_separate_state(tmp_path):
    first = build(["--db", str(tmp_path / "a.db")])
    second = build(["--db", str(tmp_path / "b.db")])
    await first.call_tool("add_task", {"title": "only in a"})
    in_first = await first.call_tool("list_tasks", {})
    in_second = await second.call_tool("list_tasks", {})
    assert in_first.structured_content["tasks"][0]["title"] == "only in a"
    assert in_second.structured_content == {"tasks": []}


def test_looptune_run_adds_and_lists_tasks_end_to_end(tmp_path):
    turns = [
        {"tool_calls": [{"name": "tasks__add_task", "arguments": {"title": "buy milk", "due": "2026-11-27"}}]},
        {"tool_calls": [{"name": "tasks__list_tasks", "arguments": {}}]},
        {"content": "Added 'buy milk', due 2026-11-27."},
    ]
    trace = tmp_path / "trace.jsonl"
    servers = {"tasks": ["-m", "mcp_servers.tasks", "--db", str(tmp_path / "t.db")]}
    done, events = scripted_run(tmp_path, servers, turns, "Add buy milk for Friday", "--trace", str(trace))
    assert done.returncode == 0, done.stderr
    assert events[-1]["content"] == "Added 'buy milk', due 2026-11-27."
    messages = json.loads(trace.read_text())["messages"]
    tool_results = [m["content"] for m in messages if m["role"] == "tool"]
    assert tool_results[0] == "Added task id 1: buy milk | due 2026-11-27 | priority normal | open"
    assert tool_results[1] == "1 open task:\nid 1: buy milk | due 2026-11-27 | priority normal | open"
