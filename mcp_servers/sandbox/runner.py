"""One sandboxed run: code in, exit code and output out, nothing left behind.

Each run is a new `python -I -u main.py` (isolated mode: no PYTHON* variables,
no user site-packages, the standard library importable) in a fresh temporary
folder, with its own session and process group, stdin closed and an
environment holding only PATH, LANG, HOME and TMPDIR (the folder): nothing of
the server's environment, so no secrets. Confinement (namespaces, user,
limits) comes from `isolation`. When the run ends, times out or floods, its
whole process group is killed, leftovers are swept, and the folder deleted.
This function blocks: callers run it in a worker thread.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from contextlib import suppress
from dataclasses import dataclass

from mcp_servers._common import ToolError
from mcp_servers.sandbox.isolation import SAFE_PATH, Confinement
from mcp_servers.sandbox.limits import OUTPUT_BYTES, rlimits
from mcp_servers.sandbox.streams import collect
from mcp_servers.sandbox.workdir import workdir, write_script


@dataclass
class Run:
    """The outcome of one run (output decoded as UTF-8, bad bytes replaced)."""

    stdout: str
    stderr: str
    exit_code: int | None
    timed_out: bool
    duration_s: float
    flooded: str | None = None


def environment(folder: str) -> dict[str, str]:
    """The whole environment a run sees."""
    return {"PATH": SAFE_PATH, "LANG": "C.UTF-8", "HOME": folder, "TMPDIR": folder}


def _start(confinement: Confinement, uid: int | None, folder: str, script: str, timeout_s: float) -> subprocess.Popen:
    confine = confinement.preexec(uid, rlimits(timeout_s, confinement.tasks_limit(uid)))
    try:
        return subprocess.Popen(
            confinement.command(uid, ["-I", "-u", script]),
            cwd=folder,
            env=environment(folder),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=confine,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise ToolError(f"could not start Python in the sandbox ({exc}); try again") from None


def _finish(
    proc: subprocess.Popen, confinement: Confinement, uid: int | None, namespaces: tuple[str | None, str | None]
) -> None:
    # The child is not reaped yet, so its pid still names its process group.
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()
    confinement.sweep(uid, proc.pid, namespaces)


def _text(raw: bytearray, folder: str) -> str:
    text = bytes(raw[:OUTPUT_BYTES]).decode("utf-8", errors="replace")
    return text.replace(folder + os.sep, "")


def run(code: str, timeout_s: float, confinement: Confinement, stop: threading.Event | None = None) -> Run:
    """Run `code` confined, for at most `timeout_s` seconds of wall time (less if `stop` is set)."""
    uid = confinement.new_uid()
    with workdir(uid) as folder:
        script = write_script(folder, code, uid)
        started = time.monotonic()
        proc = _start(confinement, uid, folder, script, timeout_s)
        namespaces = confinement.own_namespaces(proc.pid)
        try:
            got = collect(proc, started + timeout_s, OUTPUT_BYTES, stop)
        finally:
            _finish(proc, confinement, uid, namespaces)
        duration = time.monotonic() - started
        stdout, stderr = _text(got.stdout, folder), _text(got.stderr, folder)
    return Run(stdout, stderr, proc.returncode, got.timed_out, round(duration, 3), got.flooded)
