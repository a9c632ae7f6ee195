"""Reading the Linux process table (/proc) to find what a sandboxed run left running.

Finds live (not zombie) processes by real user id, process group, user
namespace or PID namespace, and counts a user's tasks (threads included, as RLIMIT_NPROC does). Where /proc
does not exist the answers are empty. This module never signals anything.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

PROC = "/proc"


def _statuses() -> Iterator[dict[str, str]]:
    try:
        names = [n for n in os.listdir(PROC) if n.isdigit()]
    except OSError:
        return
    for name in names:
        try:
            with open(f"{PROC}/{name}/status", encoding="utf-8", errors="replace") as status:
                lines = status.read().splitlines()
        except OSError:
            continue  # the process ended while we looked
        fields = dict(line.split(":", 1) for line in lines if ":" in line)
        yield {key: value.strip() for key, value in fields.items()} | {"Pid": name}


def _live(fields: dict[str, str]) -> bool:
    return not fields.get("State", "Z").startswith(("Z", "X"))


def _real_uid(fields: dict[str, str]) -> str:
    return (fields.get("Uid") or "-").split()[0]


def namespace(pid: int, kind: str = "user") -> str | None:
    """The identity of `pid`'s namespace of `kind` (e.g. 'user:[4026532]'), or None if unreadable."""
    try:
        return os.readlink(f"{PROC}/{pid}/ns/{kind}")
    except OSError:
        return None


def _matches(fields: dict[str, str], uid: int | None, pgid: int | None, userns: str | None, pidns: str | None) -> bool:
    if uid is not None and _real_uid(fields) == str(uid):
        return True
    if pgid is not None and fields.get("NSpgid", "").split()[:1] == [str(pgid)]:
        return True
    if userns is not None and namespace(int(fields["Pid"])) == userns:
        return True
    return pidns is not None and namespace(int(fields["Pid"]), "pid") == pidns


def running(
    *, uid: int | None = None, pgid: int | None = None, userns: str | None = None, pidns: str | None = None
) -> list[int]:
    """Pids of live processes with real uid `uid`, in process group `pgid`, in user namespace `userns`
    or in PID namespace `pidns`."""
    return [int(f["Pid"]) for f in _statuses() if _live(f) and _matches(f, uid, pgid, userns, pidns)]


def tasks_of(uid: int) -> int:
    """How many tasks (threads) run with real uid `uid`: what RLIMIT_NPROC counts."""
    return sum(int(f.get("Threads", "1") or 1) for f in _statuses() if _real_uid(f) == str(uid))
