"""The throwaway working folder of one sandboxed run: made private to the run's user, then deleted.

This module knows nothing of processes; the caller makes sure nothing of the
run is still running before the folder is removed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress

SCRIPT = "main.py"


@contextmanager
def workdir(uid: int | None) -> Iterator[str]:
    """A fresh empty folder (owned by `uid` when given), removed with all its contents on exit."""
    path = tempfile.mkdtemp(prefix="looptune-sandbox-")
    try:
        if uid is not None:
            os.chown(path, uid, uid)
        yield path
    finally:
        _remove(path)


def write_script(folder: str, code: str, uid: int | None) -> str:
    """Write `code` as the run's script in `folder`; returns its name."""
    path = os.path.join(folder, SCRIPT)
    with open(path, "w", encoding="utf-8", errors="replace") as script:
        script.write(code)
    if uid is not None:
        os.chown(path, uid, uid)
    return SCRIPT


def _remove(path: str) -> None:
    if os.geteuid() != 0:
        # The run may have left folders it made unreadable; give them back to their owner (us).
        for parent, folders, _ in os.walk(path):
            for name in folders:
                child = os.path.join(parent, name)
                with suppress(OSError):
                    if not os.path.islink(child):
                        os.chmod(child, 0o700)
    shutil.rmtree(path, ignore_errors=True)
