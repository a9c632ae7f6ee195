"""The bundled `files` server through the real hub: what its tools do (escapes: tests/faults/test_files_escapes.py)."""

from __future__ import annotations

import os

import anyio
import pytest

from agent.hub import Hub
from agent.registry import ServerConfig
from mcp_servers.files import reading
from tests.clirun import scripted_run, tool_texts
from tests.files_workspace import HINT, anyio_backend_fixture, call, hub_fixture, place_fixture, root_fixture  # noqa: F401

pytestmark = pytest.mark.anyio

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)


async def test_a_written_file_reads_back_and_missing_folders_are_created(hub, root):
    written = await call(hub, "write_file", path="notes/2026/todo.txt", content="buy milk\ncall mom\n")
    read = await call(hub, "read_file", path="notes/2026/todo.txt")
    assert written.text == "created 'notes/2026/todo.txt' (18 bytes)"
    assert written.structured == {"path": "notes/2026/todo.txt", "bytes": 18, "created": True}
    assert read.text == "buy milk\ncall mom\n"
    assert read.structured["content"] == "buy milk\ncall mom\n" and read.structured["truncated"] is False
    assert (root / "notes" / "2026" / "todo.txt").read_text() == "buy milk\ncall mom\n"


async def test_overwriting_says_so_keeps_the_mode_and_leaves_no_temporary_file(hub, root):
    (root / "over").mkdir()
    target = root / "over" / "run.sh"
    target.write_text("old text here")
    target.chmod(0o750)
    outcome = await call(hub, "write_file", path="over/run.sh", content="new")
    assert outcome.text == "overwrote 'over/run.sh' (3 bytes; was 13 bytes)"
    assert outcome.structured["created"] is False
    assert target.read_text() == "new" and (target.stat().st_mode & 0o777) == 0o750
    assert os.listdir(root / "over") == ["run.sh"]


async def test_list_dir_shows_folders_first_with_kind_and_size(hub, root):
    (root / "listing" / "sub").mkdir(parents=True)
    (root / "listing" / "b.txt").write_text("12345")
    (root / "listing" / "A.md").write_text("")
    outcome = await call(hub, "list_dir", path="listing")
    assert outcome.text.splitlines() == [
        "listing/: 3 entries (1 folder)",
        "sub/  (dir)",
        "A.md  (file, 0 bytes)",
        "b.txt  (file, 5 bytes)",
    ]
    assert outcome.structured["entries"][0] == {"name": "sub", "is_dir": True, "type": "dir", "size": None}
    assert outcome.structured["entries"][2] == {"name": "b.txt", "is_dir": False, "type": "file", "size": 5}


async def test_a_long_listing_is_capped_with_a_count_of_the_rest(hub, root):
    (root / "many").mkdir()
    for i in range(205):
        (root / "many" / f"f{i:03}.txt").touch()
    outcome = await call(hub, "list_dir", path="many")
    assert outcome.text.splitlines()[-1] == "... and 5 more not shown"
    assert len(outcome.structured["entries"]) == 200 and outcome.structured["total"] == 205


async def test_a_big_file_is_truncated_with_a_note_and_bad_utf8_is_replaced(hub, root):
    (root / "big.txt").write_bytes(b"\xff" + b"a" * (reading.READ_LIMIT + 10))
    outcome = await call(hub, "read_file", path="big.txt")
    assert outcome.structured["content"].startswith("\ufffdaaa")
    assert outcome.structured["truncated"] is True
    assert outcome.text.startswith(f"[truncated: showing the first 262,144 of {reading.READ_LIMIT + 11:,} bytes]\n")


async def test_a_binary_file_is_described_not_dumped(hub, root):
    (root / "logo.png").write_bytes(PNG)
    outcome = await call(hub, "read_file", path="logo.png")
    assert outcome.text == f"'logo.png' is a binary file, {len(PNG)} bytes, image/png; not shown"
    assert outcome.structured["binary"] is True and "content" not in outcome.structured


async def test_search_matches_names_and_lines_case_insensitively_and_skips_binaries(hub, root):
    (root / "find" / "deep").mkdir(parents=True)
    (root / "find" / "deep" / "plan.md").write_text("intro\nBuy MILK today\nnothing\n")
    (root / "find" / "milk-list.txt").write_text("eggs\n")
    (root / "find" / "blob.bin").write_bytes(b"milk\x00milk")
    outcome = await call(hub, "search", pattern="milk", path="find")
    assert outcome.text.splitlines()[1:] == [
        "find/milk-list.txt (name matches)",
        "find/deep/plan.md:2: Buy MILK today",
        "skipped: 1 binary files",
    ]
    assert outcome.text.startswith("2 matches for 'milk' under find")
    assert outcome.structured["matches"][1] == {"path": "find/deep/plan.md", "line": 2, "text": "Buy MILK today"}


async def test_delete_file_removes_a_file_and_refuses_a_folder(hub, root):
    (root / "trash").mkdir()
    (root / "trash" / "old.txt").write_text("bye")
    folder = await call(hub, "delete_file", path="trash")
    deleted = await call(hub, "delete_file", path="trash/old.txt")
    again = await call(hub, "read_file", path="trash/old.txt")
    assert folder.is_error and "'trash' is a folder; delete_file works on files only" in folder.text
    assert deleted.text == "deleted 'trash/old.txt' (3 bytes)"
    assert not (root / "trash" / "old.txt").exists() and (root / "trash").is_dir()
    assert again.is_error and "does not exist" in again.text and HINT in again.text


async def test_content_over_the_size_cap_is_refused(hub, root):
    outcome = await call(hub, "write_file", path="huge.txt", content="x" * (1024 * 1024 + 1))
    assert outcome.is_error and "the limit is 1,048,576 bytes" in outcome.text
    assert not (root / "huge.txt").exists()


async def test_in_process_with_two_roots_relative_paths_use_the_first_and_absolute_reach_the_second(tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    config = ServerConfig(factory="mcp_servers.files:build", args=["--root", str(first), "--root", str(second)])
    with anyio.fail_after(30):
        async with Hub({"files": config}) as hub:
            rel = await hub.call("files__write_file", {"path": "a.txt", "content": "1"})
            other = await hub.call("files__write_file", {"path": str(second / "b.txt"), "content": "2"})
            listed = await hub.call("files__list_dir", {"path": str(second)})
    assert rel.text == "created 'a.txt' (1 bytes)" and (first / "a.txt").read_text() == "1"
    assert not other.is_error and (second / "b.txt").read_text() == "2"
    assert [e["name"] for e in listed.structured["entries"]] == ["b.txt"]


async def test_without_a_root_the_workspace_is_the_state_dirs_files_folder(tmp_path):
    config = ServerConfig(factory="mcp_servers.files:build", args=["--state-dir", str(tmp_path)])
    with anyio.fail_after(30):
        async with Hub({"files": config}) as hub:
            await hub.call("files__write_file", {"path": "hello.txt", "content": "hi"})
    assert (tmp_path / "files" / "hello.txt").read_text() == "hi"


def test_looptune_run_writes_and_reads_a_file_end_to_end(tmp_path):
    root = tmp_path / "ws"
    turns = [
        {"tool_calls": [{"name": "files__write_file", "arguments": {"path": "plan.txt", "content": "ship it"}}]},
        {"tool_calls": [{"name": "files__read_file", "arguments": {"path": "plan.txt"}}]},
        {"content": "plan.txt says: ship it"},
    ]
    servers = {"files": ["-m", "mcp_servers.files", "--root", str(root)]}
    done, events = scripted_run(tmp_path, servers, turns, "note the plan")
    assert done.returncode == 0, done.stderr
    assert tool_texts(events) == ["created 'plan.txt' (7 bytes)", "ship it"]
    assert events[-1]["content"] == "plan.txt says: ship it"
    assert (root / "plan.txt").read_text() == "ship it"
