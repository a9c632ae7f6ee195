"""Searching a workspace folder for a plain substring in file names and file contents.

Matching is case-insensitive (Unicode casefold) and literal: no wildcards, no
regular expressions. Names match as "path (name matches)", lines as
"path:line: text". The walk never follows symbolic links; binary files and
files over `FILE_LIMIT` are skipped and counted; the output stops after
`MATCH_LIMIT` matches or `SCAN_LIMIT` files. This module does not resolve
paths; it gets a checked `Target`.
"""

from __future__ import annotations

import errno
import os
import stat
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from mcp_servers._common import ToolError
from mcp_servers.files.beneath import READ_FLAGS, open_dir, os_errors, parent_of
from mcp_servers.files.paths import Target, printable
from mcp_servers.files.reading import is_binary, read_head

MATCH_LIMIT = 100
SCAN_LIMIT = 5000
FILE_LIMIT = 1024 * 1024
LINE_CHARS = 200
PATTERN_CHARS = 200


@dataclass
class _Search:
    needle: str
    matches: list[dict[str, Any]] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    files: int = 0

    @property
    def full(self) -> bool:
        return len(self.matches) > MATCH_LIMIT or self.files >= SCAN_LIMIT

    def name(self, path: str, name: str) -> None:
        if self.needle in name.casefold():
            self.matches.append({"path": printable(path), "line": None, "text": "(name matches)"})

    def content(self, path: str, raw: bytes) -> None:
        self.files += 1
        text = raw.decode("utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if self.needle in line.casefold():
                self.matches.append({"path": printable(path), "line": number, "text": line.strip()[:LINE_CHARS]})
                if self.full:
                    return


def check_pattern(pattern: str) -> str:
    """The casefolded needle, or a ToolError saying what a pattern may be."""
    if not pattern.strip() or len(pattern) > PATTERN_CHARS or "\n" in pattern or "\x00" in pattern:
        raise ToolError(f"pattern must be plain text on one line, 1-{PATTERN_CHARS} characters")
    return pattern.casefold()


def _scan_file(search: _Search, folder: int, name: str, path: str) -> None:
    try:
        fd = os.open(name, READ_FLAGS, dir_fd=folder)
    except OSError as exc:
        search.skipped["symbolic links" if exc.errno == errno.ELOOP else "unreadable files"] += 1
        return
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return
        if info.st_size > FILE_LIMIT:
            search.skipped[f"files over {FILE_LIMIT // 1024 // 1024} MB"] += 1
            return
        raw = read_head(fd, FILE_LIMIT)
    finally:
        os.close(fd)
    if is_binary(raw):
        search.skipped["binary files"] += 1
    else:
        search.content(path, raw)


def _walk(search: _Search, top: int, prefix: str) -> None:
    for folder, dirs, files, fd in os.fwalk(".", dir_fd=top, follow_symlinks=False):
        dirs.sort()
        here = os.path.normpath(os.path.join(prefix, folder))
        show = "" if here == "." else here + "/"
        for name in dirs:
            search.name(f"{show}{name}/", name)
        for name in sorted(files):
            search.name(show + name, name)
            if search.full:
                return
            _scan_file(search, fd, name, show + name)


def _run(search: _Search, target: Target) -> None:
    with os_errors(target):
        try:
            top = open_dir(target)
        except NotADirectoryError:
            search.name(target.shown, target.name)
            with parent_of(target) as parent:
                _scan_file(search, parent, target.name, target.shown)
            return
        try:
            _walk(search, top, target.shown)
        finally:
            os.close(top)


def _report(search: _Search, pattern: str, where: str) -> str:
    shown = search.matches[:MATCH_LIMIT]
    noun = "match" if len(shown) == 1 else "matches"
    lines = [f"{len(shown)} {noun} for {pattern!r} under {where} ({search.files} files searched)"]
    lines += [f"{m['path']}:{m['line']}: {m['text']}" if m["line"] else f"{m['path']} {m['text']}" for m in shown]
    if search.full:
        lines.append("[stopped early: too many matches or files; narrow the pattern or the path]")
    if search.skipped:
        lines.append("skipped: " + ", ".join(f"{n} {what}" for what, n in sorted(search.skipped.items())))
    return "\n".join(lines)


def search(target: Target, pattern: str) -> tuple[str, dict[str, Any]]:
    """Names and lines under `target` containing `pattern` (case-insensitive), as text and data."""
    search = _Search(check_pattern(pattern))
    _run(search, target)
    data = {
        "pattern": pattern,
        "path": target.shown,
        "matches": search.matches[:MATCH_LIMIT],
        "truncated": search.full,
        "files_searched": search.files,
        "skipped": dict(search.skipped),
    }
    return _report(search, pattern, target.shown), data
