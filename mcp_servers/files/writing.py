"""Changing the workspace: writing a file atomically, deleting one file.

A write goes to a temporary file in the same folder, is flushed to disk, then
renamed over the target, so a reader sees the old or the new content, never
half of it; an overwritten file keeps its permission bits. Missing parent
folders are created (inside the root: `beneath` walks there without following
links). Deleting removes files and symbolic links, never folders. This module
does not resolve paths; it gets a checked `Target`.
"""

from __future__ import annotations

import os
import secrets
import stat
from typing import Any

from mcp_servers._common import ToolError
from mcp_servers.files.beneath import lstat_in, os_errors, parent_of
from mcp_servers.files.paths import Target

WRITE_LIMIT = 1024 * 1024
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def _refuse_kind(target: Target, info: os.stat_result | None, verb: str) -> None:
    if info is None or stat.S_ISREG(info.st_mode):
        return
    if stat.S_ISDIR(info.st_mode):
        raise ToolError(f"'{target.shown}' is a folder; {verb} works on files only")
    if not stat.S_ISLNK(info.st_mode):
        raise ToolError(f"'{target.shown}' is not a regular file; {verb} works on files only")


def _write_new(parent: int, name: str, payload: bytes, mode: int) -> None:
    temp = f".{secrets.token_hex(6)}.looptune-tmp"
    fd = os.open(temp, _NEW_FILE, mode, dir_fd=parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        os.rename(temp, name, src_dir_fd=parent, dst_dir_fd=parent)
    except BaseException:
        os.unlink(temp, dir_fd=parent)
        raise


def write_file(target: Target, content: str) -> tuple[str, dict[str, Any]]:
    """Create or replace the file at `target` with `content` (UTF-8)."""
    payload = content.encode("utf-8", errors="replace")
    if len(payload) > WRITE_LIMIT:
        raise ToolError(f"content is {len(payload):,} bytes; the limit is {WRITE_LIMIT:,} bytes per file")
    if not target.parts:
        raise ToolError("'.' is the workspace folder; give a file path such as 'notes.txt'")
    with os_errors(target), parent_of(target, create=True) as parent:
        before = lstat_in(parent, target.name)
        if before is not None and stat.S_ISLNK(before.st_mode):
            raise ToolError(f"'{target.shown}' became a symbolic link while in use; refused")
        _refuse_kind(target, before, "write_file")
        mode = stat.S_IMODE(before.st_mode) if before else 0o644
        _write_new(parent, target.name, payload, mode)
    data = {"path": target.shown, "bytes": len(payload), "created": before is None}
    if before is None:
        return f"created '{target.shown}' ({len(payload):,} bytes)", data
    return f"overwrote '{target.shown}' ({len(payload):,} bytes; was {before.st_size:,} bytes)", data


def delete_file(target: Target) -> tuple[str, dict[str, Any]]:
    """Delete the file (or the symbolic link itself) at `target`; folders are refused."""
    with os_errors(target), parent_of(target) as parent:
        info = lstat_in(parent, target.name)
        if info is None:
            raise FileNotFoundError
        _refuse_kind(target, info, "delete_file")
        os.unlink(target.name, dir_fd=parent)
    link = stat.S_ISLNK(info.st_mode)
    data = {"path": target.shown, "bytes": 0 if link else info.st_size, "type": "symlink" if link else "file"}
    if link:
        return f"deleted the symbolic link '{target.shown}' (its target was not touched)", data
    return f"deleted '{target.shown}' ({info.st_size:,} bytes)", data
