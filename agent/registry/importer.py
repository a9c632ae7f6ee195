"""Importing servers from another client's file (Claude Desktop, Cursor, VS Code)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.registry.store import Registry, read_servers_file, validate_entry

_VSCODE_ENV = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def _translate(value: Any) -> Any:
    # VS Code writes ${env:VAR}; our registry (like Claude Desktop's) writes ${VAR}.
    if isinstance(value, str):
        return _VSCODE_ENV.sub(r"${\1}", value)
    if isinstance(value, list):
        return [_translate(v) for v in value]
    if isinstance(value, dict):
        return {k: _translate(v) for k, v in value.items()}
    return value


def import_servers(registry: Registry, source: Path, *, replace: bool = False) -> ImportReport:
    """Copy every server entry of `source` into `registry` (not saved); existing names are skipped unless `replace`."""
    doc, key = read_servers_file(source)
    if not doc:
        raise FileNotFoundError(f"{source}: no such file, or empty")
    report = ImportReport()
    for name, entry in doc.get(key, {}).items():
        config = validate_entry(source, name, _translate(entry))
        if name in registry.user_entries and not replace:
            report.skipped[name] = "already in the registry (use --replace)"
            continue
        (report.replaced if name in registry.user_entries else report.added).append(name)
        registry.add(name, config, replace=True)
    return report
