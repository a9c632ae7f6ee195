"""The launcher of a run that has a PID namespace of its own: makes the namespace, then runs the code in it.

`isolation` starts it as `python -I -S -c <this file's text> USER PROGRAM ARGS...`
after unsharing the PID and mount namespaces (and, without root, a user
namespace where it is root). Unsharing a PID namespace only places the caller's
children in it, so this launcher forks twice:
- the namespace's first process (PID 1) makes every mount private, mounts a
  fresh /proc that shows only the namespace, then reaps orphans until killed;
- the run: drops to USER (a uid; `-` means a nested user namespace, which
  leaves it no capabilities after exec) and execs PROGRAM.
When the run ends, the launcher kills PID 1, and with it the kernel kills every
process left in the namespace (daemons and setsid escapes included); then it
exits as the run did (same code, or killed by the same signal). Standard library
only, nothing imported from this package: it runs as a script under -I -S.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable
from contextlib import suppress
from typing import NoReturn

MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x8, 0x4000, 0x40000
CLONE_NEWUSER = 0x10000000
PR_SET_PDEATHSIG = 1
# The exit code when the namespace could not be set up (like env(1) and timeout(1) for their own failures).
FAILED = 125
READY = b"ready"

_LIBC = ctypes.CDLL(None, use_errno=True)


def _call(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _first_process(ready: int) -> None:
    """PID 1: fresh /proc, then reap whatever is orphaned into the namespace, until the launcher kills it."""
    _call(_LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)")
    _call(_LIBC.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "making mounts private")
    _call(_LIBC.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None), "mounting /proc")
    os.write(ready, READY)
    os.close(ready)
    quiet = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # the run's output pipes close when the run's processes do, not when this one does
        os.dup2(quiet, fd)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
    while True:
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass
        signal.sigwait({signal.SIGCHLD})


def _run(user: str, program: list[str]) -> None:
    """The run: without privileges, as `user`, then exec `program`."""
    if user == "-":
        _call(_LIBC.unshare(CLONE_NEWUSER), "unshare(CLONE_NEWUSER)")
    else:
        os.setgroups([])
        os.setgid(int(user))
        os.setuid(int(user))
    for number in (signal.SIGPIPE, signal.SIGXFSZ):  # as subprocess restores them for its children
        signal.signal(number, signal.SIG_DFL)
    os.execv(program[0], program)


def _guarded(body: Callable[..., None], *args: object) -> NoReturn:
    """Run `body` in a forked child, which must never return into the launcher's code."""
    try:
        body(*args)
    except BaseException as exc:  # whatever stops it: say why on the run's stderr
        os.write(2, f"sandbox: {exc}\n".encode())
    os._exit(FAILED)


def _start_first_process() -> int:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _guarded(_first_process, write_end)
    os.close(write_end)
    ready = os.read(read_end, len(READY))
    os.close(read_end)
    if ready != READY:  # it said why on stderr and exited
        os.waitpid(pid, 0)
        os._exit(FAILED)
    return pid


def _exit_like(status: int) -> NoReturn:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        with suppress(OSError, ValueError):  # SIGKILL and SIGSTOP cannot be caught, so need no reset
            signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
        os._exit(128 + number)
    os._exit(os.waitstatus_to_exitcode(status))


def main(argv: list[str]) -> NoReturn:
    """Run `argv[1:]` as user `argv[0]` in the PID namespace, then exit as it did."""
    user, program = argv[0], argv[1:]
    first = _start_first_process()
    run = os.fork()
    if run == 0:
        _guarded(_run, user, program)
    _, status = os.waitpid(run, 0)
    os.kill(first, signal.SIGKILL)
    os.waitpid(first, 0)
    _exit_like(status)


if __name__ == "__main__":
    main(sys.argv[1:])
