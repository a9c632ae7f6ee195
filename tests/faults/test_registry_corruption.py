"""A registry file that is broken: invalid JSON, wrong types, entries that are not servers.

Every case is one line naming the file and the entry or field, and the file is
never rewritten by the command that found it broken.
"""

from __future__ import annotations

import json
import sys

import pytest

from agent.registry import Registry, RegistryError, ServerConfig
from tests.registryfile import run_cli, write_registry


def test_invalid_json_names_the_file_line_and_column(tmp_path):
    path = write_registry(tmp_path / "mcp.json", '{\n  "mcpServers": {\n    "a": {"command": "x",}\n  }\n}\n')
    with pytest.raises(RegistryError) as info:
        Registry(path)
    assert str(info.value).startswith(f"{path}:3:")
    assert "invalid JSON" in str(info.value)


def test_an_entry_without_command_or_url_names_the_server(tmp_path):
    path = write_registry(tmp_path / "mcp.json", {"mcpServers": {"broken": {"args": ["x"]}}})
    with pytest.raises(RegistryError, match="server 'broken'.*command.*url"):
        Registry(path).servers()


def test_a_type_that_contradicts_the_transport_field_is_refused(tmp_path):
    path = write_registry(tmp_path / "mcp.json", {"mcpServers": {"odd": {"type": "inproc", "command": "python"}}})
    with pytest.raises(RegistryError, match="server 'odd'.*type 'inproc' needs 'factory', not 'command'"):
        Registry(path).servers()
    assert ServerConfig(type="sse", url="http://h/sse").transport == "sse"


def test_a_wrongly_typed_field_names_the_field(tmp_path):
    path = write_registry(tmp_path / "mcp.json", {"mcpServers": {"t": {"command": "x", "timeout": "soon"}}})
    with pytest.raises(RegistryError, match="server 't': timeout"):
        Registry(path).servers()


@pytest.mark.parametrize("entry", [5, "npx server", ["x"], None])
def test_a_server_entry_that_is_not_an_object_is_refused_on_load_naming_it(tmp_path, entry):
    path = write_registry(tmp_path / "mcp.json", {"mcpServers": {"ok": {"command": "x"}, "x": entry}})
    with pytest.raises(RegistryError) as info:
        Registry(path, bundled={"calc": {"command": "python"}})
    assert str(info.value) == f"{path}: server 'x': entry must be a JSON object, not {type(entry).__name__}"


CONFIG = "--mcp-config={config}"


@pytest.mark.parametrize(
    "command",
    [
        ["mcp", "list", CONFIG],
        ["mcp", "tools", CONFIG],
        ["mcp", "add", "y", CONFIG, "--", sys.executable, "-V"],
        ["mcp", "remove", "ok", CONFIG],
        ["run", "hello", "--backend", "scripted", "--script", "[]", CONFIG],
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_every_command_reports_a_non_object_entry_in_one_line_with_exit_2_and_leaves_the_file(tmp_path, command):
    text = json.dumps({"mcpServers": {"ok": {"command": "x"}, "x": 5}})
    path = write_registry(tmp_path / "mcp.json", text)
    done = run_cli(*(arg.format(config=path) for arg in command))
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"looptune: {path}: server 'x': entry must be a JSON object, not int\n"
    assert path.read_text() == text
