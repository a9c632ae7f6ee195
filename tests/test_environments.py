"""Fresh bundled environments: every episode starts from empty state."""

from __future__ import annotations

import anyio
import pytest

from agent.environments import bundled_configs, fresh_environment

pytestmark = pytest.mark.anyio


async def test_each_fresh_environment_starts_from_empty_state():
    with anyio.fail_after(30):
        async with fresh_environment(["tasks", "files"]) as first:
            await first.call("tasks__add_task", {"title": "buy milk"})
            await first.call("files__write_file", {"path": "note.txt", "content": "hello"})
            listed = await first.call("tasks__list_tasks", {})
        async with fresh_environment(["tasks", "files"]) as second:
            empty = await second.call("tasks__list_tasks", {})
            missing = await second.call("files__read_file", {"path": "note.txt"})
    assert "buy milk" in listed.text
    assert "buy milk" not in empty.text
    assert missing.is_error


async def test_a_fresh_environment_can_mount_the_servers_as_processes():
    with anyio.fail_after(30):
        async with fresh_environment(["calc"], inproc=False) as hub:
            outcome = await hub.call("calc__evaluate", {"expression": "6 * 7"})
            assert hub.status()[0].transport == "stdio"
    assert "42" in outcome.text


def test_unknown_server_names_are_refused_naming_the_bundled_ones(tmp_path):
    with pytest.raises(ValueError, match="not bundled servers: weather .*calc"):
        bundled_configs(str(tmp_path), ["weather"])
