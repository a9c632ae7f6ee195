"""The bundled `files` server through the real hub: what its tools do (escapes: tests/faults/test_files_escapes.py)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import anyio
import pytest

from agent.hub import Hub
from agent.loop import ToolCallFinished
from agent.loop.loop import DECLINED
from agent.messages import UserMessage
from agent.registry import ServerConfig
from mcp_servers.files import reading
from tests.clirun import scripted_run, tool_texts
from tests.files_workspace import HINT, anyio_backend_fixture, call, hub_fixture, place_fixture, root_fixture  # noqa: F401
from tests.registryfile import run_cli, write_registry

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


async def test_a_missing_path_says_what_the_closest_existing_folder_holds(hub, root):
    (root / "guess" / "src").mkdir(parents=True)
    (root / "guess" / "b.txt").write_text("x")
    wrong_folder = await call(hub, "list_dir", path="guess/notes")
    wrong_file = await call(hub, "read_file", path="guess/src/deep/todo.txt")
    assert wrong_folder.is_error and "'guess/notes' does not exist; 'guess' holds: b.txt, src/; " in wrong_folder.text
    assert wrong_file.is_error and "'guess/src/deep/todo.txt' does not exist; 'guess/src' is empty; " in wrong_file.text


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
    assert again.is_error and "'trash/old.txt' does not exist; 'trash' is empty; " in again.text and HINT in again.text


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


def files_server(*args: str, **fields) -> ServerConfig:
    return ServerConfig(command=sys.executable, args=["-m", "mcp_servers.files", *args], **fields)


def project(base: Path) -> Path:
    """A folder like one a user starts looptune in: a file and a subfolder."""
    folder = base / "project"
    (folder / "src").mkdir(parents=True)
    (folder / "README.md").write_text("# project\n")
    return folder


async def test_without_a_root_the_workspace_is_the_folder_the_client_offers_as_its_mcp_root(tmp_path):
    here, state = project(tmp_path), tmp_path / "state"
    servers = {
        "stdio": files_server("--state-dir", str(state), roots=[str(here)]),
        "inproc": ServerConfig(factory="mcp_servers.files:build", args=["--state-dir", str(state)], roots=[str(here)]),
    }
    with anyio.fail_after(30):
        async with Hub(servers) as hub:
            listed = [await hub.call(f"{name}__list_dir", {}) for name in servers]
            written = await hub.call("stdio__write_file", {"path": "notes.txt", "content": "hi"})
    for outcome in listed:
        assert [e["name"] for e in outcome.structured["entries"]] == ["src", "README.md"], outcome.text
    assert written.text == "created 'notes.txt' (2 bytes)" and (here / "notes.txt").read_text() == "hi"
    assert not (state / "files").exists()


async def test_a_root_the_server_was_started_with_wins_over_the_clients_roots(tmp_path):
    here, own = project(tmp_path), tmp_path / "own"
    with anyio.fail_after(30):
        async with Hub({"files": files_server("--root", str(own), roots=[str(here)])}) as hub:
            await hub.call("files__write_file", {"path": "mine.txt", "content": "x"})
    assert (own / "mine.txt").is_file() and not (here / "mine.txt").exists()


async def test_a_client_root_that_does_not_exist_is_a_tool_error_naming_it_and_is_not_created(tmp_path):
    missing = tmp_path / "gone"
    with anyio.fail_after(30):
        async with Hub({"files": files_server(roots=[str(missing)])}) as hub:
            outcome = await hub.call("files__list_dir", {})
    assert outcome.is_error and f"the workspace folder {missing} does not exist" in outcome.text
    assert not missing.exists()


LIST_HERE = [{"tool_calls": [{"name": "files__list_dir", "arguments": {}}]}, {"content": "Two entries."}]


def scripted(tmp_path: Path, turns: list[dict]) -> str:
    script = tmp_path / "turns.jsonl"
    script.write_text("".join(json.dumps(t) + "\n" for t in turns))
    return str(script)


def listed_names(stdout: str) -> list[str]:
    events = [json.loads(line) for line in stdout.splitlines()]
    finished = [e for e in events if e["type"] == "tool_call_finished"]
    assert len(finished) == 1 and not finished[0]["outcome"]["is_error"], finished
    return [e["name"] for e in finished[0]["outcome"]["structured"]["entries"]]


async def test_run_with_the_bundled_files_server_lists_the_directory_it_was_started_in(tmp_path, monkeypatch):
    from agent.cli.agent_setup import open_agent
    from agent.cli.main import build_parser

    here = project(tmp_path)
    monkeypatch.chdir(here)
    argv = ["run", "list the files here", "--servers", "files", "--backend", "scripted"]
    args = build_parser().parse_args([*argv, "--script", scripted(tmp_path, LIST_HERE), "--quiet", "--no-save"])
    with anyio.fail_after(60):
        async with open_agent(args) as loop:
            result = await loop.run([UserMessage(content=args.prompt)])
    outcome = next(e.outcome for e in result.events if isinstance(e, ToolCallFinished))
    assert [e["name"] for e in outcome.structured["entries"]] == ["src", "README.md"], outcome.text


def test_looptune_run_list_the_files_here_sees_the_current_directory_and_asks_before_writing(tmp_path):
    here = project(tmp_path)
    write = {"tool_calls": [{"name": "files__write_file", "arguments": {"path": "x.txt", "content": "x"}}]}
    turns = [LIST_HERE[0], write, {"content": "done"}]
    done = run_cli(
        "run", "list the files here", "--servers", "files", "--backend", "scripted",
        "--script", scripted(tmp_path, turns), "--json", cwd=here,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines() if '"tool_call_finished"' in line]
    assert [e["name"] for e in events[0]["outcome"]["structured"]["entries"]] == ["src", "README.md"]
    assert events[1]["outcome"]["text"] == DECLINED and "declined files__write_file" in done.stderr
    assert sorted(os.listdir(here)) == ["README.md", "src"]


def test_files_root_and_registry_roots_point_the_files_server_elsewhere(tmp_path, isolated_config):
    here, there = project(tmp_path), tmp_path / "there"
    (there / "docs").mkdir(parents=True)
    argv = ["run", "list", "--servers", "files", "--backend", "scripted", "--script", scripted(tmp_path, LIST_HERE)]
    flag = run_cli(*argv, "--json", "--files-root", str(there), cwd=here)
    assert flag.returncode == 0, flag.stderr
    assert listed_names(flag.stdout) == ["docs"]
    write_registry(isolated_config, {"mcpServers": {"files": {"roots": [str(there / "docs")]}}})
    (there / "docs" / "a.md").write_text("a")
    registry = run_cli(*argv, "--json", cwd=here)
    assert registry.returncode == 0, registry.stderr
    assert listed_names(registry.stdout) == ["a.md"]
    missing = run_cli(*argv, "--files-root", str(tmp_path / "nowhere"), cwd=here)
    assert missing.returncode == 2
    assert missing.stderr == f"looptune: --files-root {tmp_path / 'nowhere'}: no such folder\n"
