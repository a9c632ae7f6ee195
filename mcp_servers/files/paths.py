"""Turning a path a model typed into a place inside the workspace roots, or a refusal.

A path is relative to the first root, or absolute inside any root. It is checked
as text first (NUL bytes, control and invisible characters, backslashes,
Unicode that is not NFC or whose compatibility form would add '.' or '/'), then
resolved with `realpath`, so every symbolic link in it is followed, and must
land inside a root. The result is a `Target`: a root plus the real components
below it, which `beneath` opens again at the time of use without following any
link. This module does not open files and knows nothing of tools.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from mcp_servers._common import ToolError

HINT = "paths are relative to the workspace root, e.g. 'notes/todo.txt'"
MAX_PATH_CHARS = 4096
# Control, format (zero-width, bidi overrides), surrogate, private-use and line/paragraph separators.
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}


class PathRefused(ToolError):
    """A path that is malformed or leaves the workspace; the message says which and how paths work."""

    def __init__(self, raw: str, why: str) -> None:
        super().__init__(f"path {raw!r} {why}; {HINT}")


@dataclass(frozen=True)
class Target:
    """A place inside one root: the root's real path and the components below it."""

    root: str
    parts: tuple[str, ...]
    shown: str

    @property
    def name(self) -> str:
        return self.parts[-1] if self.parts else "."


def printable(name: str) -> str:
    """A file name as valid Unicode: bytes that are not UTF-8 become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def check_text(raw: str) -> None:
    """Refuse path text that could mean something other than what it shows."""
    if not raw.strip():
        raise PathRefused(raw, "is empty")
    if len(raw) > MAX_PATH_CHARS:
        raise PathRefused(raw[:40] + "...", f"is longer than {MAX_PATH_CHARS} characters")
    if "\x00" in raw:
        raise PathRefused(raw, "contains a NUL byte")
    for char in raw:
        if unicodedata.category(char) in _INVISIBLE:
            raise PathRefused(raw, f"contains the control or invisible character U+{ord(char):04X}")
    if "\\" in raw:
        raise PathRefused(raw, "contains a backslash; use '/' between folders")
    if unicodedata.normalize("NFC", raw) != raw:
        raise PathRefused(raw, "is not in Unicode NFC form; send composed characters")
    compat = unicodedata.normalize("NFKC", raw)
    if any(compat.count(c) != raw.count(c) for c in "./"):
        raise PathRefused(raw, "contains characters that look like '.' or '/'; use plain ASCII '.' and '/'")


class Workspace:
    """The roots a files server may touch, and the resolution of paths into them."""

    def __init__(self, roots: list[Path], *, create: bool = True) -> None:
        """`roots` are created if missing, unless `create` is false (then a missing one is a ToolError)."""
        for root in roots:
            if create:
                root.mkdir(parents=True, exist_ok=True)
            elif not root.is_dir():
                raise ToolError(f"the workspace folder {root} does not exist")
        self.roots = [os.path.realpath(root) for root in roots]

    def resolve(self, raw: str, *, keep_last: bool = False) -> Target:
        """The place `raw` names; with `keep_last`, a final symbolic link is the place itself."""
        check_text(raw)
        joined = raw if os.path.isabs(raw) else os.path.join(self.roots[0], raw)
        if keep_last:
            head, tail = os.path.split(os.path.normpath(joined))
            if tail in ("", ".", ".."):
                raise PathRefused(raw, "does not name a file")
            real = os.path.join(os.path.realpath(head), tail)
        else:
            real = os.path.realpath(joined)
        return self._inside(raw, joined, real)

    def _inside(self, raw: str, joined: str, real: str) -> Target:
        for root in self.roots:
            if real == root or real.startswith(root.rstrip("/") + "/"):
                parts = tuple(p for p in real[len(root) :].split("/") if p)
                return Target(root, parts, self._show(root, parts))
        if self._root_of(os.path.normpath(joined)) is not None:
            raise PathRefused(raw, "goes through a symbolic link that points outside the workspace")
        raise PathRefused(raw, "is outside the workspace")

    def _root_of(self, path: str) -> str | None:
        return next((r for r in self.roots if path == r or path.startswith(r.rstrip("/") + "/")), None)

    def _show(self, root: str, parts: tuple[str, ...]) -> str:
        if root == self.roots[0]:
            return "/".join(parts) or "."
        return os.path.join(root, *parts)
