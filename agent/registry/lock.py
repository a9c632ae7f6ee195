"""One writer at a time: an exclusive lock around a registry file's read-modify-write.

Two `looptune mcp add` at once must both land. The file itself is replaced by a
rename on every write, so a lock on it would guard a file that is about to be
gone; the lock is taken on the folder that holds it, which stays. Readers take
no lock: the rename means they see the old file or the new one, never half.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from agent.registry.model import RegistryError

LOCK_WAIT_S = 30.0
POLL_S = 0.01
# Filesystems that cannot lock (some network mounts): the edit goes ahead unlocked, as it did before locks.
_UNSUPPORTED = {errno.ENOLCK, errno.EBADF, errno.EINVAL, errno.EOPNOTSUPP}


@contextmanager
def editing(path: Path, wait_s: float = LOCK_WAIT_S) -> Iterator[None]:
    """Hold the lock of `path`'s folder (created if missing) for the block; RegistryError after `wait_s`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        _acquire(fd, path, wait_s)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _acquire(fd: int, path: Path, wait_s: float) -> None:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise RegistryError(f"{path}: another process kept it locked for {wait_s:g} s; try again") from None
            time.sleep(POLL_S)  # flock has no timeout of its own; a short poll keeps the wait bounded
        except OSError as exc:
            if exc.errno in _UNSUPPORTED:
                return
            raise
