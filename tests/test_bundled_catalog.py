"""The bundled servers keep DESIGN.md's tool catalog exactly: names, arguments, defaults, hints."""

from __future__ import annotations

import json
import subprocess
import sys

import anyio
import pytest

from agent.environments import fresh_environment
from mcp_servers import BUNDLED

REQUIRED = object()
CATALOG = {
    "knowledge": {
        "search": {"query": REQUIRED, "k": 5},
        "read": {"doc_id": REQUIRED},
        "add": {"title": REQUIRED, "text": REQUIRED, "tags": []},
        "delete": {"doc_id": REQUIRED},
    },
    "files": {
        "list_dir": {"path": "."},
        "read_file": {"path": REQUIRED},
        "write_file": {"path": REQUIRED, "content": REQUIRED},
        "search": {"pattern": REQUIRED, "path": "."},
        "delete_file": {"path": REQUIRED},
    },
    "sandbox": {"run_python": {"code": REQUIRED, "timeout_s": 10}},
    "sql": {
        "list_tables": {},
        "describe_table": {"table": REQUIRED},
        "query": {"sql": REQUIRED},
        "execute": {"sql": REQUIRED},
    },
    "calc": {
        "evaluate": {"expression": REQUIRED},
        "convert_units": {"value": REQUIRED, "from_unit": REQUIRED, "to_unit": REQUIRED},
    },
    "tasks": {
        "add_task": {"title": REQUIRED, "due": None, "priority": "normal", "tags": []},
        "list_tasks": {"status": "open", "tag": None},
        "complete_task": {"task_id": REQUIRED},
        "update_task": {"task_id": REQUIRED, "title": None, "due": None, "priority": None},
        "delete_task": {"task_id": REQUIRED},
    },
}


def test_every_catalog_server_is_bundled():
    assert sorted(BUNDLED) == sorted(CATALOG)


@pytest.mark.anyio
async def test_each_tool_has_the_catalog_arguments_defaults_and_a_hint():
    with anyio.fail_after(30):
        async with fresh_environment() as hub:
            tools = {(t.server, t.tool.name): t for t in hub.tools()}
            assert [s.state for s in hub.status()] == ["up"] * len(CATALOG)
    assert sorted(tools) == sorted((s, t) for s, ts in CATALOG.items() for t in ts)
    for (server, name), tool in tools.items():
        expected = CATALOG[server][name]
        schema = tool.schema
        assert set(schema.get("properties", {})) == set(expected), f"{server}.{name}"
        required = {arg for arg, default in expected.items() if default is REQUIRED}
        assert set(schema.get("required", [])) == required, f"{server}.{name}"
        for arg, default in expected.items():
            if default is not REQUIRED:
                assert schema["properties"][arg].get("default") == default, f"{server}.{name}.{arg}"
        hints = tool.tool.annotations
        assert hints is not None and (hints.read_only_hint or hints.destructive_hint is not None), f"{server}.{name}"
        assert tool.tool.description, f"{server}.{name}"


def test_mcp_tools_lists_the_bundled_tools_with_server__tool_names():
    done = subprocess.run(
        [sys.executable, "-m", "agent.cli.main", "mcp", "tools", "--json"], capture_output=True, text=True, timeout=90
    )
    assert done.returncode == 0, done.stderr
    names = {spec["function"]["name"] for spec in json.loads(done.stdout)}
    assert names == {f"{s}__{t}" for s, ts in CATALOG.items() for t in ts}
