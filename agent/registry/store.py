"""Reading and writing the registry file; bundled servers merged underneath.

A malformed file is reported with its path and the JSON error position and
is never overwritten. Writes replace only the servers key and keep every
other key of the file (a Claude Desktop config has more than servers).
Edits (add, remove) are recorded and replayed on a fresh read of the file
under a lock when saved, so two processes editing at once both land.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agent.fsutil import atomic_write_text
from agent.registry.lock import editing
from agent.registry.model import RegistryError, ServerConfig
from agent.validation import first_error

ENV_VAR = "LOOPTUNE_MCP_CONFIG"
SERVER_KEYS = ("mcpServers", "servers")


def default_registry_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """`--mcp-config` if given, else `$LOOPTUNE_MCP_CONFIG`, else the XDG config file."""
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "looptune" / "mcp.json"


def read_servers_file(path: Path) -> tuple[dict[str, Any], str]:
    """Parse a registry-shaped file; returns (whole document, servers key)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, SERVER_KEYS[0]
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read: {exc.strerror}") from exc
    if not text.strip():
        return {}, SERVER_KEYS[0]
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RegistryError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from exc
    if not isinstance(doc, dict):
        raise RegistryError(f"{path}: top level must be a JSON object with an 'mcpServers' key")
    key = next((k for k in SERVER_KEYS if k in doc), SERVER_KEYS[0])
    if not isinstance(doc.get(key, {}), dict):
        raise RegistryError(f"{path}: '{key}' must be an object mapping server names to entries")
    for name, entry in doc.get(key, {}).items():
        # Checked here, not when a server is used: every command merges entries, and a number cannot merge.
        _check_object(path, name, entry)
    return doc, key


def _check_object(path: Path, name: str, entry: Any) -> None:
    if not isinstance(entry, dict):
        raise RegistryError(f"{path}: server {name!r}: entry must be a JSON object, not {type(entry).__name__}")


def validate_entry(path: Path, name: str, entry: Any) -> ServerConfig:
    """A validated server entry; errors name the file, the server and the field."""
    _check_object(path, name, entry)
    try:
        return ServerConfig.model_validate(entry)
    except ValidationError as exc:
        raise RegistryError(f"{path}: server {name!r}: {first_error(exc, 'entry')}") from exc


Edit = Callable[[dict[str, Any]], None]


class Registry:
    """The user's registry file plus the bundled servers it may override or disable."""

    def __init__(self, path: Path, bundled: Mapping[str, dict[str, Any]] | None = None) -> None:
        self.path = path
        self.bundled = dict(bundled or {})
        self._doc, self._key = read_servers_file(path)
        self._edits: list[Edit] = []

    @property
    def user_entries(self) -> dict[str, dict[str, Any]]:
        """The file's entries as read, with this object's edits applied (change them through add/remove)."""
        return self._doc.setdefault(self._key, {})

    def entry(self, name: str) -> dict[str, Any]:
        """The effective raw entry: bundled defaults with the user's keys on top."""
        return {**self.bundled.get(name, {}), **self.user_entries.get(name, {})}

    def names(self) -> list[str]:
        return list(dict.fromkeys([*self.bundled, *self.user_entries]))

    def servers(self) -> dict[str, ServerConfig]:
        """Every server, validated; an invalid entry raises naming the file and field."""
        return {name: validate_entry(self.path, name, self.entry(name)) for name in self.names()}

    def enabled(self) -> dict[str, ServerConfig]:
        return {name: cfg for name, cfg in self.servers().items() if not cfg.disabled}

    def source(self, name: str) -> str:
        if name not in self.bundled:
            return "user"
        return "bundled*" if name in self.user_entries else "bundled"

    def _edit(self, edit: Edit) -> None:
        edit(self.user_entries)
        self._edits.append(edit)

    def add(self, name: str, config: ServerConfig, *, replace: bool = False) -> None:
        """Add a server entry (validated); refuses to overwrite unless `replace`."""
        entry = config.to_entry()

        def add_entry(entries: dict[str, Any]) -> None:
            if name in entries and not replace:
                raise RegistryError(
                    f"{self.path}: server {name!r} already exists (add --replace to overwrite it, or remove it first)"
                )
            entries[name] = dict(entry)

        self._edit(add_entry)

    def remove(self, name: str) -> str:
        """Remove a user server, or disable a bundled one; returns what was done."""
        if name in self.bundled:
            self._edit(lambda entries: entries.__setitem__(name, {"disabled": True}))
            return "disabled"
        if name not in self.user_entries:
            raise RegistryError(f"{self.path}: no server named {name!r}")
        self._edit(lambda entries: entries.pop(name, None))  # gone already at save time is still gone
        return "removed"

    def save(self) -> None:
        """Apply this object's edits to the file as it is now, under the lock, atomically.

        Every key that is not ours is kept. A server another process added
        meanwhile stays; adding a name it took meanwhile is refused.
        """
        with editing(self.path):
            doc, key = read_servers_file(self.path)
            entries = doc.setdefault(key, {})
            for edit in self._edits:
                edit(entries)
            atomic_write_text(self.path, json.dumps(doc, indent=2) + "\n")
        self._doc, self._key, self._edits = doc, key, []


def load_registry(path: str | os.PathLike[str] | None = None, *, bundled: bool = True) -> Registry:
    """Open the registry at `path` (or the default location), bundled servers included."""
    from mcp_servers import bundled_servers

    return Registry(default_registry_path(path), bundled_servers() if bundled else None)
