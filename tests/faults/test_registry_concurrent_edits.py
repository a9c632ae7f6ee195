"""Several processes editing one registry file at once: every edit lands, none is lost."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from agent.registry import Registry, RegistryError, ServerConfig
from agent.registry.lock import editing
from tests.registryfile import TIMEOUT_S, write_registry

WRITERS, ADDS = 4, 25
# Each writer says it is ready, waits for "go" on stdin, then does what `looptune mcp add` does, ADDS times
# (the CLI's own import would take most of the test's time; `mcp add` itself is covered in test_cli).
WRITER = """
import sys

import pytest
from agent.registry import ServerConfig, load_registry
path, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
print("ready", flush=True)
sys.stdin.readline()
for i in range(count):
    registry = load_registry(path)
    registry.add(f"{prefix}{i}", ServerConfig(command="server", args=[str(i)]))
    registry.save()
    print(f"added {prefix}{i}")
"""


def test_concurrent_mcp_add_processes_keep_every_entry(tmp_path):
    path = write_registry(tmp_path / "mcp.json", {"mcpServers": {"kept": {"command": "k"}}, "theme": "dark"})
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), f"w{n}-", str(ADDS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WRITERS)
    ]
    try:
        for writer in writers:  # a barrier: all have imported before any starts writing
            assert writer.stdout.readline() == "ready\n", writer.stderr.read()
        for writer in writers:
            writer.stdin.write("go\n")
            writer.stdin.flush()
        outputs = [writer.communicate(timeout=TIMEOUT_S) for writer in writers]
    finally:
        for writer in writers:
            writer.kill()
            writer.wait(timeout=TIMEOUT_S)
    assert [w.returncode for w in writers] == [0] * WRITERS, [err for _, err in outputs]
    assert all(out.count("added ") == ADDS for out, _ in outputs)
    doc = json.loads(path.read_text())
    wanted = {"kept"} | {f"w{n}-{i}" for n in range(WRITERS) for i in range(ADDS)}
    assert set(doc["mcpServers"]) == wanted
    assert doc["theme"] == "dark"


def test_a_save_keeps_a_server_another_process_added_since_this_one_read_the_file(tmp_path):
    path = tmp_path / "mcp.json"
    mine, theirs = Registry(path), Registry(path)
    theirs.add("theirs", ServerConfig(command="t"))
    mine.add("mine", ServerConfig(command="m"))
    theirs.save()
    mine.save()
    assert set(json.loads(path.read_text())["mcpServers"]) == {"theirs", "mine"}


def test_adding_a_name_another_process_took_meanwhile_is_refused_and_nothing_is_written(tmp_path):
    path = tmp_path / "mcp.json"
    mine, theirs = Registry(path), Registry(path)
    theirs.add("same", ServerConfig(command="theirs"))
    mine.add("same", ServerConfig(command="mine"))
    theirs.save()
    before = path.read_text()
    try:
        mine.save()
    except RegistryError as exc:
        assert "server 'same' already exists (add --replace to overwrite it, or remove it first)" in str(exc)
    else:
        raise AssertionError("the second add of 'same' was saved")
    assert path.read_text() == before


def test_waiting_for_a_lock_another_writer_keeps_is_bounded_and_says_so(tmp_path):
    path = tmp_path / "mcp.json"
    refused = pytest.raises(RegistryError, match="another process kept it locked for 0.2 s; try again")
    with editing(path), refused, editing(path, wait_s=0.2):
        pass
