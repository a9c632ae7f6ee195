"""Listing one workspace folder: name, kind and size of each entry, folders first.

Symbolic links are shown as links and never followed (their targets may lie
outside the workspace). At most `LIST_LIMIT` entries are shown, with a count
of the rest. This module does not resolve paths; it gets a checked `Target`.
"""

from __future__ import annotations

import os
from typing import Any

from mcp_servers._common import ToolError
from mcp_servers.files.beneath import open_dir, os_errors
from mcp_servers.files.paths import Target, printable

LIST_LIMIT = 200


def _entry(entry: os.DirEntry[str]) -> dict[str, Any]:
    if entry.is_symlink():
        kind = "symlink"
    elif entry.is_dir(follow_symlinks=False):
        kind = "dir"
    else:
        kind = "file" if entry.is_file(follow_symlinks=False) else "other"
    size = entry.stat(follow_symlinks=False).st_size if kind == "file" else None
    return {"name": printable(entry.name), "is_dir": kind == "dir", "type": kind, "size": size}


def _line(entry: dict[str, Any]) -> str:
    if entry["is_dir"]:
        return f"{entry['name']}/  (dir)"
    if entry["type"] == "file":
        return f"{entry['name']}  (file, {entry['size']:,} bytes)"
    return f"{entry['name']}  ({entry['type']})"


def list_dir(target: Target) -> tuple[str, dict[str, Any]]:
    """The entries of the folder at `target` as text and data."""
    with os_errors(target):
        try:
            fd = open_dir(target)
        except NotADirectoryError:
            raise ToolError(f"'{target.shown}' is not a folder; use read_file for a file") from None
        try:
            with os.scandir(fd) as found:
                entries = [_entry(e) for e in found]
        finally:
            os.close(fd)
    entries.sort(key=lambda e: (not e["is_dir"], e["name"].casefold(), e["name"]))
    shown = entries[:LIST_LIMIT]
    data = {"path": target.shown, "entries": shown, "total": len(entries)}
    if not entries:
        return f"{target.shown}/ is empty", data
    dirs = sum(e["is_dir"] for e in entries)
    folders = "1 folder" if dirs == 1 else f"{dirs} folders"
    lines = [f"{target.shown}/: {len(entries)} entries ({folders})", *map(_line, shown)]
    if len(entries) > LIST_LIMIT:
        lines.append(f"... and {len(entries) - LIST_LIMIT} more not shown")
    return "\n".join(lines), data
