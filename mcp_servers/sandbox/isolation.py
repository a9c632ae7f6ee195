"""How a sandboxed run is cut off from the machine, and how much of that this host allows.

In the child, between fork and exec (`Confinement.preexec`), a run gets:
- its own network namespace, when the kernel lets us make one (as root
  CLONE_NEWNET, otherwise CLONE_NEWUSER|CLONE_NEWNET): only a loopback
  interface that is down, so no connection reaches anything, not even
  127.0.0.1 of the host;
- no-new-privileges, so setuid programs (sudo, su) cannot raise privileges;
- the rlimits of `limits` and umask 077;
- when the server runs as root: a fresh uid/gid of its own (from a range no
  account uses) with no supplementary groups. That makes RLIMIT_NPROC bite
  (fork bombs stop at `limits.TASKS`), keeps the code out of every file that
  is not world-readable or world-writable, and lets `sweep` kill everything
  left with that uid, even processes that left the process group (setsid).

What is NOT isolated: there is no seccomp filter (every system call is
allowed); files are readable wherever their permissions let the run's user
read (world-readable files such as /etc/passwd or /usr); world-writable
places (/tmp, /dev/shm) are writable and what is left there stays. Without
root there is no user of its own: RLIMIT_NPROC then counts all the server
user's tasks (we allow `TASKS` more than are running), and a process that
calls setsid escapes the group kill unless the run has a user namespace of
its own (then `sweep` finds it there). Without a namespace there is no network
isolation at all. The interpreter is the server's own when the run's user can
execute it, else `python3` on the standard PATH (e.g. when the server's
Python lives under root's private home). `probe` finds out which case holds: it tries the strongest
setup first and steps down until a trial run succeeds (cached per process);
`describe` says the result in words for the tool description.
"""

from __future__ import annotations

import ctypes
import functools
import os
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass

from mcp_servers.sandbox import proctable
from mcp_servers.sandbox.limits import TASKS, Limits, rlimits
from mcp_servers.sandbox.workdir import workdir

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
PR_SET_NO_NEW_PRIVS = 38
SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"
UID_RANGE = (1_500_000_000, 2_000_000_000)
GONE_WAIT_S = 2.0
REAPER = "import os, signal\ntry:\n    os.kill(-1, signal.SIGKILL)\nexcept ProcessLookupError:\n    pass\n"

# Resolved once here: nothing may be loaded between fork and exec.
_LIBC = ctypes.CDLL(None, use_errno=True)
_UNSHARE = getattr(_LIBC, "unshare", None)
_PRCTL = getattr(_LIBC, "prctl", None)


@dataclass(frozen=True)
class Confinement:
    """One way of running sandboxed code: the interpreter, a user of its own or not, namespaces."""

    python: str
    own_user: bool
    namespaces: int

    @property
    def network_isolated(self) -> bool:
        return bool(self.namespaces & CLONE_NEWNET)

    def new_uid(self) -> int | None:
        """A fresh uid for one run, or None when runs keep the server's user."""
        return UID_RANGE[0] + secrets.randbelow(UID_RANGE[1] - UID_RANGE[0]) if self.own_user else None

    def tasks_limit(self, uid: int | None) -> int | None:
        """RLIMIT_NPROC for a run as `uid` (None: the kernel would ignore it, root is exempt)."""
        if uid is not None:
            return TASKS
        if os.geteuid() == 0:
            return None
        return proctable.tasks_of(os.getuid()) + TASKS

    def preexec(self, uid: int | None, limits: Limits) -> Callable[[], None]:
        """The function the child runs before exec: namespaces, no new privileges, limits, user."""
        namespaces = self.namespaces

        def confine() -> None:
            if namespaces and _UNSHARE(namespaces) != 0:
                raise OSError(ctypes.get_errno(), "unshare failed")
            if _PRCTL is not None:
                _PRCTL(PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))
            for kind, pair in limits:
                resource.setrlimit(kind, pair)
            os.umask(0o077)
            if uid is not None:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)

        return confine

    def sweep(self, uid: int | None, pgid: int, userns: str | None = None) -> None:
        """Kill what is left of a run (its uid, process group or user namespace); wait until none runs."""
        if uid is not None and proctable.running(uid=uid):
            # kill(-1) sent as that uid reaches exactly its processes, atomically with respect to fork.
            reaper = [self.python, "-I", "-S", "-c", REAPER]
            as_run = {"user": uid, "group": uid, "extra_groups": []}
            with suppress(OSError, subprocess.SubprocessError):
                subprocess.run(reaper, **as_run, env={"PATH": SAFE_PATH}, cwd="/", timeout=10)
        deadline = time.monotonic() + GONE_WAIT_S
        while left := proctable.running(uid=uid, pgid=pgid, userns=userns):
            if time.monotonic() > deadline:
                return
            for pid in left:
                with suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)

    def own_namespace(self, pid: int) -> str | None:
        """The user namespace a just-started run lives in, when it has one of its own."""
        return proctable.namespace(pid) if self.namespaces & CLONE_NEWUSER else None

    def describe(self) -> str:
        """The isolation in a few words, for the tool description."""
        user = "an unprivileged user of its own" if self.own_user else "the server's user"
        network = "no network" if self.network_isolated else "network NOT isolated on this host"
        return f"Runs as {user}; {network}; no seccomp"


def _candidates() -> list[Confinement]:
    root = os.geteuid() == 0
    pythons = [p for p in dict.fromkeys([sys.executable, shutil.which("python3", path=SAFE_PATH)]) if p]
    network = CLONE_NEWNET if root else CLONE_NEWUSER | CLONE_NEWNET
    namespaces = (network, 0) if _UNSHARE is not None else (0,)
    users = (True, False) if root else (False,)
    return [Confinement(p, u, n) for u in users for n in namespaces for p in pythons]


def _works(candidate: Confinement) -> bool:
    uid = candidate.new_uid()
    confine = candidate.preexec(uid, rlimits(5, candidate.tasks_limit(uid)))
    command = [candidate.python, "-I", "-S", "-c", "import os; os.listdir('.')"]
    try:
        with workdir(uid) as folder:
            done = subprocess.run(
                command, cwd=folder, env={"PATH": SAFE_PATH}, preexec_fn=confine, capture_output=True, timeout=10
            )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


@functools.cache
def probe() -> Confinement:
    """The strongest confinement a trial run succeeds with on this host (cached)."""
    return next((c for c in _candidates() if _works(c)), Confinement(sys.executable, False, 0))
