"""Opening a resolved `Target` one component at a time, never following a symbolic link.

`paths.Workspace.resolve` checks where a path leads; between that check and
the use a component could be swapped for a link. Walking down from the root
with `O_NOFOLLOW` on every component closes that gap: a link found here is
refused instead of followed. This module also turns OS errors into messages a
model can act on. It knows nothing of tools or of how paths are typed.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager

from mcp_servers._common import ToolError
from mcp_servers.files.paths import HINT, Target, printable

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: opening a FIFO for reading must not hang the server.
READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC

_REASONS = {
    errno.ENOENT: "does not exist",
    errno.ENOTDIR: "has a part that is not a folder",
    errno.EISDIR: "is a folder",
    errno.EACCES: "is not accessible (permission denied)",
    errno.EPERM: "is not accessible (operation not permitted)",
    errno.ELOOP: "contains a symbolic link that changed while in use; refused",
    errno.ENAMETOOLONG: "has a name that is too long",
    errno.ENOSPC: "cannot be written: the disk is full",
    errno.EROFS: "is on a read-only file system",
}


SHOWN_NEARBY = 12  # names of the closest existing folder shown with a "does not exist"


@contextmanager
def os_errors(target: Target) -> Iterator[None]:
    """Turn an OSError inside the block into a ToolError naming the target.

    A path that does not exist says what the closest existing folder holds: a
    model that guessed a folder name (say 'notes' for "the files here") can
    correct itself from the error instead of guessing again.
    """
    try:
        yield
    except OSError as exc:
        reason = _REASONS.get(exc.errno or 0, exc.strerror or "cannot be used")
        nearby = _nearby(target) if exc.errno == errno.ENOENT else ""
        raise ToolError(f"'{target.shown}' {reason}; {nearby + '; ' if nearby else ''}{HINT}") from None


def _nearby(target: Target) -> str:
    """'FOLDER holds: a/, b.txt, ...' for the deepest existing folder on the target's way."""
    for depth in range(len(target.parts) - 1, -1, -1):
        try:
            fd = open_dir(target, depth)
        except OSError:
            continue
        try:
            with os.scandir(fd) as found:
                names = sorted((e.name + "/" if e.is_dir(follow_symlinks=False) else e.name) for e in found)
        finally:
            os.close(fd)
        folder = "/".join(target.parts[:depth]) or "."
        if not names:
            return f"'{folder}' is empty"
        more = f", ... ({len(names) - SHOWN_NEARBY} more)" if len(names) > SHOWN_NEARBY else ""
        shown = ", ".join(printable(n) for n in names[:SHOWN_NEARBY])
        return f"'{folder}' holds: {shown}{more}"
    return ""


def open_dir(target: Target, depth: int | None = None, *, create: bool = False) -> int:
    """An fd for the folder `target.parts[:depth]`, creating missing folders when asked."""
    fd = os.open(target.root, DIR_FLAGS)
    try:
        for name in target.parts[:depth]:
            fd = _step(fd, name, create)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _step(fd: int, name: str, create: bool) -> int:
    try:
        child = os.open(name, DIR_FLAGS, dir_fd=fd)
    except FileNotFoundError:
        if not create:
            raise
        os.mkdir(name, 0o777, dir_fd=fd)
        child = os.open(name, DIR_FLAGS, dir_fd=fd)
    except NotADirectoryError:
        # Linux answers ENOTDIR for a link under O_DIRECTORY|O_NOFOLLOW; say what really happened.
        info = lstat_in(fd, name)
        if info is not None and stat.S_ISLNK(info.st_mode):
            raise OSError(errno.ELOOP, "symbolic link in path") from None
        raise
    os.close(fd)
    return child


@contextmanager
def parent_of(target: Target, *, create: bool = False) -> Iterator[int]:
    """The fd of the folder holding `target` (closed on exit)."""
    fd = open_dir(target, -1, create=create)
    try:
        yield fd
    finally:
        os.close(fd)


def lstat_in(fd: int, name: str) -> os.stat_result | None:
    """`name`'s own status inside folder `fd` (a link is not followed), or None when absent."""
    try:
        return os.stat(name, dir_fd=fd, follow_symlinks=False)
    except FileNotFoundError:
        return None
