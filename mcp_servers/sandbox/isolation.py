"""How a sandboxed run is cut off from the machine, and how much of that this host allows.

In the child, between fork and exec (`Confinement.preexec`), a run gets:
- its own network namespace, when the kernel lets us make one (as root
  CLONE_NEWNET, otherwise CLONE_NEWUSER|CLONE_NEWNET): only a loopback
  interface that is down, so no connection reaches anything, not even
  127.0.0.1 of the host;
- its own PID and mount namespaces where the kernel allows them (as root, or
  without root inside a user namespace where the server's uid is root): the
  `pidinit` launcher mounts a /proc that shows only the run's own processes, so
  no other process's command line or environment is readable and no other
  process can be signalled, and when the run ends the kernel kills everything
  it left in the namespace (daemons, setsid escapes);
- no-new-privileges, so setuid programs (sudo, su) cannot raise privileges;
- a parent-death signal (SIGKILL), so a run dies with the server, even a
  SIGKILLed one (and with a PID namespace, everything the run started);
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
user's tasks (we allow `TASKS` more than are running), and files the server's
user may write are writable. Without a user namespace there is no network
isolation and no PID namespace at all: then other processes (their command
lines included) are visible, and a process that calls setsid escapes the group
kill. The interpreter is the server's own when the run's user can execute it,
else `python3` on the standard PATH (e.g. when the server's Python lives under
root's private home). `probe` finds out which case holds: it tries the
strongest setup first and steps down until a trial run succeeds (cached per
process), keeping why each stronger one failed (`shortfalls`); `describe` says
the result in words for the tool description and the server's log.
"""

from __future__ import annotations

import ctypes
import errno
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
from dataclasses import dataclass, replace
from pathlib import Path

from mcp_servers.sandbox import proctable
from mcp_servers.sandbox.limits import TASKS, Limits, rlimits
from mcp_servers.sandbox.workdir import workdir

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
PROCESSES = CLONE_NEWPID | CLONE_NEWNS
LAUNCHER = str(Path(__file__).with_name("pidinit.py"))
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
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
    # What this host did not allow, and why (e.g. "no PID namespace: the kernel refused ..."), for the log.
    shortfalls: tuple[str, ...] = ()

    @property
    def network_isolated(self) -> bool:
        return bool(self.namespaces & CLONE_NEWNET)

    @property
    def pid_isolated(self) -> bool:
        return bool(self.namespaces & CLONE_NEWPID)

    def command(self, uid: int | None, args: list[str]) -> list[str]:
        """The argv that runs this Python with `args` as `uid`: through the launcher with a PID namespace."""
        program = [self.python, *args]
        if not self.pid_isolated:
            return program
        return [self.python, "-I", "-S", LAUNCHER, "-" if uid is None else str(uid), *program]

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
        """The function the child runs before exec: namespaces, no new privileges, limits, user.

        With a PID namespace the launcher changes the user, after it has mounted /proc."""
        namespaces = self.namespaces
        # Without root, the launcher needs to be root in its user namespace to mount /proc.
        maps = _root_maps() if self.pid_isolated and namespaces & CLONE_NEWUSER else []
        switch_to = None if self.pid_isolated else uid
        server = os.getpid()

        def confine() -> None:
            if namespaces:
                _unshare(namespaces)
            if maps:
                # /proc/self of a non-dumpable process (one that changed uid) is root's: we could not write the maps.
                _prctl(PR_SET_DUMPABLE, 1)
                _write_all(maps)
            _prctl(PR_SET_NO_NEW_PRIVS, 1)
            for kind, pair in limits:
                resource.setrlimit(kind, pair)
            os.umask(0o077)
            if switch_to is not None:
                os.setgroups([])
                os.setgid(switch_to)
                os.setuid(switch_to)
            # Last, since a change of user clears it: the run dies with the server thread that waits for it
            # (with a PID namespace, so does everything in it), even when the server is SIGKILLed.
            _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            if os.getppid() != server:
                raise OSError(errno.ESRCH, "the server exited while the run was starting")

        return confine

    def sweep(self, uid: int | None, pgid: int, namespaces: tuple[str | None, str | None] = (None, None)) -> None:
        """Kill what is left of a run (its uid, process group, user or PID namespace); wait until none runs.

        `namespaces` are the run's own (user, PID) namespaces, when it has them: with a PID namespace the
        kernel kills what is left once its first process dies, but the dying may still be on the way."""
        userns, pidns = namespaces
        if uid is not None and proctable.running(uid=uid):
            # kill(-1) sent as that uid reaches exactly its processes, atomically with respect to fork.
            reaper = [self.python, "-I", "-S", "-c", REAPER]
            with suppress(OSError, subprocess.SubprocessError):
                subprocess.run(
                    reaper, user=uid, group=uid, extra_groups=[], env={"PATH": SAFE_PATH}, cwd="/", timeout=10
                )
        deadline = time.monotonic() + GONE_WAIT_S
        while left := proctable.running(uid=uid, pgid=pgid, userns=userns, pidns=pidns):
            if time.monotonic() > deadline:
                return
            for pid in left:
                with suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)

    def own_namespaces(self, pid: int) -> tuple[str | None, str | None]:
        """The (user, PID) namespaces a just-started run lives in, each when it has one of its own."""
        userns = proctable.namespace(pid) if self.namespaces & CLONE_NEWUSER else None
        # The launcher itself stays in the server's PID namespace; its children are in the run's.
        pidns = proctable.namespace(pid, "pid_for_children") if self.pid_isolated else None
        return userns, pidns

    def describe(self) -> str:
        """The isolation in a few words, for the tool description."""
        user = "an unprivileged user of its own" if self.own_user else "the server's user"
        network = "no network" if self.network_isolated else "network NOT isolated on this host"
        processes = (
            "other processes hidden (own PID namespace)"
            if self.pid_isolated
            else "other processes are visible, command lines included (no PID namespace on this host)"
        )
        return f"Runs as {user}; {network}; {processes}; no seccomp"


def _unshare(namespaces: int) -> None:
    # `_candidates` offers namespaces only where libc has unshare; the check keeps a wrong candidate an OSError.
    if _UNSHARE is None:
        raise OSError(errno.ENOSYS, "libc has no unshare")
    if _UNSHARE(namespaces) != 0:
        raise OSError(ctypes.get_errno(), "unshare failed")


def _prctl(option: int, value: int) -> None:
    if _PRCTL is not None:
        _PRCTL(option, ctypes.c_ulong(value), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))


def _write_all(files: list[tuple[str, bytes]]) -> None:
    for path, text in files:
        fd = os.open(path, os.O_WRONLY)
        try:
            os.write(fd, text)
        finally:
            os.close(fd)


def _root_maps() -> list[tuple[str, bytes]]:
    # Computed before fork: the server's uid and gid become root inside the run's user namespace.
    return [
        ("/proc/self/setgroups", b"deny"),
        ("/proc/self/uid_map", f"0 {os.getuid()} 1".encode()),
        ("/proc/self/gid_map", f"0 {os.getgid()} 1".encode()),
    ]


def _candidates() -> list[Confinement]:
    root = os.geteuid() == 0
    pythons = [p for p in dict.fromkeys([sys.executable, shutil.which("python3", path=SAFE_PATH)]) if p]
    network = CLONE_NEWNET if root else CLONE_NEWUSER | CLONE_NEWNET
    namespaces = (network | PROCESSES, network, 0) if _UNSHARE is not None else (0,)
    users = (True, False) if root else (False,)
    return [Confinement(p, u, n) for u in users for n in namespaces for p in pythons]


# The trial checks what the run will rely on: its folder, and with a PID namespace a /proc of its own
# (its own process and the namespace's first one).
_TRIAL = "import os; os.listdir('.')"
_TRIAL_PROCESSES = _TRIAL + "; assert sum(n.isdigit() for n in os.listdir('/proc')) <= 2, 'the host /proc shows'"


def _trial(candidate: Confinement) -> str | None:
    """Why a trial run under `candidate` failed, or None when it worked."""
    uid = candidate.new_uid()
    confine = candidate.preexec(uid, rlimits(5, candidate.tasks_limit(uid)))
    code = _TRIAL_PROCESSES if candidate.pid_isolated else _TRIAL
    command = candidate.command(uid, ["-I", "-S", "-c", code])
    try:
        with workdir(uid) as folder:
            done = subprocess.run(
                command, cwd=folder, env={"PATH": SAFE_PATH}, preexec_fn=confine, capture_output=True, timeout=10
            )
    except subprocess.SubprocessError as exc:
        return f"the kernel refused {_names(candidate.namespaces)} ({exc})" if candidate.namespaces else str(exc)
    except OSError as exc:
        return f"{candidate.python} could not start ({exc})"
    if done.returncode == 0:
        return None
    said = done.stderr.decode(errors="replace").strip().splitlines()
    return said[-1] if said else f"exit code {done.returncode}"


def _names(namespaces: int) -> str:
    flags = {CLONE_NEWUSER: "CLONE_NEWUSER", CLONE_NEWNET: "CLONE_NEWNET", CLONE_NEWPID: "CLONE_NEWPID"}
    flags[CLONE_NEWNS] = "CLONE_NEWNS"
    return "unshare(" + "|".join(name for flag, name in flags.items() if namespaces & flag) + ")"


def _shortfalls(chosen: Confinement, failures: dict[Confinement, str]) -> tuple[str, ...]:
    """What `chosen` lacks that a stronger setup would have had, each with the reason it failed here."""
    features = [
        ("user of its own", "the server does not run as root", lambda c: c.own_user),
        ("PID namespace", "unshare is not available", lambda c: c.pid_isolated),
        ("network namespace", "unshare is not available", lambda c: c.network_isolated),
    ]
    missing = []
    for name, untried, has in features:
        if not has(chosen):
            reasons = [reason for tried, reason in failures.items() if has(tried) and tried.python == chosen.python]
            missing.append(f"no {name}: {reasons[-1] if reasons else untried}")
    return tuple(missing)


@functools.cache
def probe() -> Confinement:
    """The strongest confinement a trial run succeeds with on this host (cached), with what it lacks and why."""
    failures: dict[Confinement, str] = {}
    for candidate in _candidates():
        reason = _trial(candidate)
        if reason is None:
            return replace(candidate, shortfalls=_shortfalls(candidate, failures))
        failures[candidate] = reason
    fallback = Confinement(sys.executable, False, 0)
    return replace(fallback, shortfalls=_shortfalls(fallback, failures))
