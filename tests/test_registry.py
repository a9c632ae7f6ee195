"""The registry file: format, validation, expansion, atomic writes and imports."""

from __future__ import annotations

import json

import pytest

from agent.registry import Registry, RegistryError, ServerConfig, load_registry
from agent.registry.expand import expand_server
from agent.registry.importer import import_servers
from tests.registryfile import write_registry


def test_a_missing_file_is_an_empty_registry(tmp_path):
    assert Registry(tmp_path / "none.json").servers() == {}


def test_stdio_and_http_entries_are_read_with_extensions(tmp_path):
    path = write_registry(
        tmp_path / "mcp.json",
        {
            "mcpServers": {
                "fs": {
                    "command": "npx",
                    "args": ["-y", "fs"],
                    "env": {"K": "v"},
                    "timeout": 5,
                    "tools": {"include": ["read"]},
                    "roots": ["/data"],
                    "confirm": True,
                },
                "web": {"type": "http", "url": "https://example.invalid/mcp", "headers": {"Authorization": "Bearer x"}},
            }
        },
    )
    servers = Registry(path).servers()
    assert servers["fs"].transport == "stdio" and servers["fs"].timeout == 5 and servers["fs"].confirm
    assert servers["fs"].tools.allows("read") and not servers["fs"].tools.allows("write")
    assert servers["web"].transport == "http" and servers["web"].headers == {"Authorization": "Bearer x"}


def test_vs_code_servers_key_is_accepted(tmp_path):
    path = write_registry(tmp_path / "mcp.json", {"servers": {"t": {"type": "stdio", "command": "x"}}})
    assert list(Registry(path).servers()) == ["t"]


def test_saving_keeps_other_top_level_keys_and_unknown_entry_keys(tmp_path):
    path = write_registry(
        tmp_path / "claude.json",
        {"globalShortcut": "Ctrl+Space", "mcpServers": {"a": {"command": "x", "autoApprove": ["t"]}}},
    )
    registry = Registry(path)
    registry.add("b", ServerConfig(command="y"))
    registry.save()
    doc = json.loads(path.read_text())
    assert doc["globalShortcut"] == "Ctrl+Space"
    assert doc["mcpServers"] == {"a": {"command": "x", "autoApprove": ["t"]}, "b": {"command": "y"}}


def test_adding_an_existing_name_is_refused_saying_how_to_replace_it(tmp_path):
    registry = Registry(tmp_path / "mcp.json")
    registry.add("a", ServerConfig(command="x"))
    with pytest.raises(RegistryError) as info:
        registry.add("a", ServerConfig(command="y"))
    assert str(info.value) == (
        f"{tmp_path / 'mcp.json'}: server 'a' already exists (add --replace to overwrite it, or remove it first)"
    )
    registry.add("a", ServerConfig(command="y"), replace=True)
    assert registry.servers()["a"].command == "y"


def test_removing_a_bundled_server_disables_it(tmp_path):
    registry = Registry(tmp_path / "mcp.json", bundled={"calc": {"command": "python", "args": ["-m", "calc"]}})
    assert registry.remove("calc") == "disabled"
    assert registry.servers()["calc"].disabled
    assert registry.enabled() == {}
    assert registry.source("calc") == "bundled*"


def test_a_user_entry_overrides_bundled_fields(tmp_path):
    path = write_registry(tmp_path / "mcp.json", {"mcpServers": {"calc": {"timeout": 5}}})
    registry = Registry(path, bundled={"calc": {"command": "python", "args": ["-m", "calc"]}})
    assert registry.servers()["calc"].timeout == 5
    assert registry.servers()["calc"].command == "python"


def test_the_env_variable_overrides_the_default_location(tmp_path, monkeypatch):
    path = write_registry(tmp_path / "elsewhere.json", {"mcpServers": {"x": {"command": "x"}}})
    monkeypatch.setenv("LOOPTUNE_MCP_CONFIG", str(path))
    assert load_registry().path == path


def test_variables_expand_with_defaults_and_a_missing_one_names_the_field():
    config = ServerConfig(url="https://h/${PATH_PART:-mcp}", headers={"Authorization": "Bearer ${TOKEN}"})
    expanded = expand_server("web", config, {"TOKEN": "abc"})
    assert expanded.url == "https://h/mcp"
    assert expanded.headers["Authorization"] == "Bearer abc"
    with pytest.raises(RegistryError, match="server 'web' field headers.Authorization: .*TOKEN is not set"):
        expand_server("web", config, {})


def test_import_translates_vs_code_env_syntax_and_skips_existing_names(tmp_path):
    source = write_registry(
        tmp_path / "vscode.json",
        {
            "servers": {
                "gh": {
                    "type": "http",
                    "url": "https://gh.invalid/mcp",
                    "headers": {"Authorization": "Bearer ${env:GH}"},
                },
                "a": {"command": "new"},
            }
        },
    )
    registry = Registry(tmp_path / "mcp.json")
    registry.add("a", ServerConfig(command="old"))
    report = import_servers(registry, source)
    assert report.added == ["gh"] and list(report.skipped) == ["a"]
    assert registry.servers()["gh"].headers["Authorization"] == "Bearer ${GH}"
    assert registry.servers()["a"].command == "old"
