"""The bundled servers keep DESIGN.md's tool catalog exactly: names, arguments, defaults, hints.

Each tool's kind follows what it does to the server's state: list/read/search/
query/evaluate/convert only read; add_* and run_python only add (run_python
touches a throwaway folder); write_file (overwrites), execute (may DROP or
DELETE), complete/update (overwrite a task's fields; nothing reopens a task)
and delete_* destroy. None of the tools reaches an open world.
"""

from __future__ import annotations

import json
import subprocess
import sys

import anyio
import pytest

from agent.environments import fresh_environment
from mcp_servers import BUNDLED

REQUIRED = object()
# Kinds as (readOnlyHint, destructiveHint, openWorldHint).
READS, ADDS, DESTROYS = (True, False, False), (False, False, False), (False, True, False)
CATALOG = {
    "knowledge": {
        "search": (READS, {"query": REQUIRED, "k": 5}),
        "read": (READS, {"doc_id": REQUIRED}),
        "add": (ADDS, {"title": REQUIRED, "text": REQUIRED, "tags": []}),
        "delete": (DESTROYS, {"doc_id": REQUIRED}),
    },
    "files": {
        "list_dir": (READS, {"path": "."}),
        "read_file": (READS, {"path": REQUIRED}),
        "write_file": (DESTROYS, {"path": REQUIRED, "content": REQUIRED}),
        "search": (READS, {"pattern": REQUIRED, "path": "."}),
        "delete_file": (DESTROYS, {"path": REQUIRED}),
    },
    "sandbox": {"run_python": (ADDS, {"code": REQUIRED, "timeout_s": 10})},
    "sql": {
        "list_tables": (READS, {}),
        "describe_table": (READS, {"table": REQUIRED}),
        "query": (READS, {"sql": REQUIRED}),
        "execute": (DESTROYS, {"sql": REQUIRED}),
    },
    "calc": {
        "evaluate": (READS, {"expression": REQUIRED}),
        "convert_units": (READS, {"value": REQUIRED, "from_unit": REQUIRED, "to_unit": REQUIRED}),
    },
    "tasks": {
        "add_task": (ADDS, {"title": REQUIRED, "due": None, "priority": "normal", "tags": []}),
        "list_tasks": (READS, {"status": "open", "tag": None}),
        "complete_task": (DESTROYS, {"task_id": REQUIRED}),
        "update_task": (DESTROYS, {"task_id": REQUIRED, "title": None, "due": None, "priority": None}),
        "delete_task": (DESTROYS, {"task_id": REQUIRED}),
    },
}


def test_every_catalog_server_is_bundled():
    assert sorted(BUNDLED) == sorted(CATALOG)


@pytest.mark.anyio
async def test_each_tool_has_the_catalog_arguments_defaults_and_hints():
    with anyio.fail_after(30):
        async with fresh_environment() as hub:
            tools = {(t.server, t.tool.name): t for t in hub.tools()}
            assert [s.state for s in hub.status()] == ["up"] * len(CATALOG)
    assert sorted(tools) == sorted((s, t) for s, ts in CATALOG.items() for t in ts)
    for (server, name), tool in tools.items():
        kind, expected = CATALOG[server][name]
        schema = tool.schema
        assert set(schema.get("properties", {})) == set(expected), f"{server}.{name}"
        required = {arg for arg, default in expected.items() if default is REQUIRED}
        assert set(schema.get("required", [])) == required, f"{server}.{name}"
        for arg, default in expected.items():
            if default is not REQUIRED:
                assert schema["properties"][arg].get("default") == default, f"{server}.{name}.{arg}"
        hints = tool.tool.annotations
        assert hints is not None, f"{server}.{name}"
        assert (hints.read_only_hint, hints.destructive_hint, hints.open_world_hint) == kind, f"{server}.{name}"
        assert tool.tool.description, f"{server}.{name}"


def test_mcp_tools_lists_the_bundled_tools_with_server__tool_names():
    done = subprocess.run(
        [sys.executable, "-m", "agent.cli.main", "mcp", "tools", "--json"], capture_output=True, text=True, timeout=90
    )
    assert done.returncode == 0, done.stderr
    names = {spec["function"]["name"] for spec in json.loads(done.stdout)}
    assert names == {f"{s}__{t}" for s, ts in CATALOG.items() for t in ts}
