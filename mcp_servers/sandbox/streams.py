"""Reading a child's stdout and stderr together, until it ends, the deadline passes or it floods.

Both pipes are read as data arrives (a full pipe never blocks the child).
Reading stops when both pipes close; or when the child itself has exited and
its pipes stay quiet (a background grandchild may hold them open); or at the
deadline (`timed_out`); or when a stream passes its byte cap (`flooded`
names it); or when the caller sets `stop`. The caller kills and reaps the child: this module only watches it.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import threading
import time
from dataclasses import dataclass, field

CHUNK = 65536
POLL_S = 0.1
# After the child exits, how long its pipes may stay silent before we stop listening.
QUIET_S = 0.05


@dataclass
class Streams:
    """What a run wrote, and why reading stopped early (if it did)."""

    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    timed_out: bool = False
    flooded: str | None = None


def exited(pid: int) -> bool:
    """Whether child `pid` has exited, without reaping it (its pid stays its process group's id)."""
    if hasattr(os, "waitid"):
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    return False


def collect(proc: subprocess.Popen[bytes], deadline: float, cap: int, stop: threading.Event | None = None) -> Streams:
    """Read `proc`'s stdout and stderr until it is done, `deadline` (monotonic) passes, one passes `cap`,
    or `stop` is set (the call was cancelled)."""
    got = Streams()
    assert proc.stdout is not None and proc.stderr is not None
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ, "stdout")
        selector.register(proc.stderr, selectors.EVENT_READ, "stderr")
        while selector.get_map() and not (stop is not None and stop.is_set()):
            left = deadline - time.monotonic()
            if left <= 0:
                got.timed_out = True
                break
            done = exited(proc.pid)
            events = selector.select(min(left, QUIET_S if done else POLL_S))
            if not events and done:
                break
            for key, _ in events:
                if not _read(selector, key, getattr(got, key.data)):
                    continue
                if len(getattr(got, key.data)) > cap:
                    got.flooded = key.data
                    return got
    return got


def _read(selector: selectors.BaseSelector, key: selectors.SelectorKey, into: bytearray) -> bool:
    chunk = os.read(key.fd, CHUNK)
    if not chunk:
        selector.unregister(key.fileobj)
        return False
    into.extend(chunk)
    return True
