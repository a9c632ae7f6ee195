"""Reading one workspace file as text, or describing it when it is binary.

Text is decoded as UTF-8 (bad bytes become U+FFFD) and cut at `READ_LIMIT`
bytes with a note on the first line. A file with a NUL byte near its start is binary: it is
described (size and a type guessed from magic bytes or the name), never
dumped. This module does not resolve paths; it gets a checked `Target`.
"""

from __future__ import annotations

import mimetypes
import os
import stat
from typing import Any

from mcp_servers._common import ToolError
from mcp_servers.files.beneath import READ_FLAGS, os_errors, parent_of
from mcp_servers.files.paths import Target

READ_LIMIT = 256 * 1024
SNIFF_BYTES = 8192
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
    (b"\x7fELF", "application/x-executable (ELF)"),
    (b"SQLite format 3\x00", "application/vnd.sqlite3"),
)


def is_binary(head: bytes) -> bool:
    """Whether bytes from the start of a file look binary (a NUL byte is the tell)."""
    return b"\x00" in head[:SNIFF_BYTES]


def guess_type(name: str, head: bytes) -> str:
    """A MIME type from magic bytes, else from the file name, else a generic one."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def read_head(fd: int, limit: int) -> bytes:
    """Up to `limit` bytes from the start of an open file."""
    chunks, size = [], 0
    while size < limit:
        chunk = os.read(fd, min(limit - size, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def open_regular(target: Target) -> tuple[int, int]:
    """An fd and the size of the regular file at `target`; other kinds are refused."""
    if not target.parts:
        raise ToolError("'.' is the workspace folder; use list_dir to see it, read_file for a file in it")
    with os_errors(target), parent_of(target) as parent:
        fd = os.open(target.name, READ_FLAGS, dir_fd=parent)
    info = os.fstat(fd)
    if stat.S_ISREG(info.st_mode):
        return fd, info.st_size
    os.close(fd)
    kind = "a folder; use list_dir" if stat.S_ISDIR(info.st_mode) else "not a regular file"
    raise ToolError(f"'{target.shown}' is {kind}")


def read_file(target: Target) -> tuple[str, dict[str, Any]]:
    """The text of the file at `target` (or a description of a binary one) and its data."""
    fd, size = open_regular(target)
    try:
        with os_errors(target):
            head = read_head(fd, READ_LIMIT)
    finally:
        os.close(fd)
    data: dict[str, Any] = {"path": target.shown, "size": size, "binary": is_binary(head)}
    if data["binary"]:
        kind = guess_type(target.name, head)
        return f"'{target.shown}' is a binary file, {size:,} bytes, {kind}; not shown", {**data, "type": kind}
    text = head.decode("utf-8", errors="replace")
    truncated = size > len(head)
    data.update(content=text, truncated=truncated)
    if truncated:
        # First, not last: a client may cut long results, and this line must survive that.
        text = f"[truncated: showing the first {len(head):,} of {size:,} bytes]\n{text}"
    return text, data
