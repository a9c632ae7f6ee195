"""The job runner: one `looptune train` process at a time, the rest queued; progress read back as it happens.

A thread takes the oldest job waiting for validation, then the oldest
queued one, and runs `looptune train CONFIG --events FILE --stop-file FILE`
as a child process (the CLI's own code and isolation). It tails the events
file into job events, metrics and checkpoints. Cancel kills the child's
process group; pause asks it to checkpoint and stop (training.sft.monitor),
and resume queues it again with `--resume`. The child dies with the server
(PR_SET_PDEATHSIG); a job the server was running when it stopped is queued
again on the next start and resumes from its newest checkpoint. It knows
nothing of HTTP.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from training.service.jobs import JobBook
from training.service.records import Job

log = logging.getLogger("looptune.service")
POLL_S = 0.5  # how often the runner reads a running job's events and requests
KILL_WAIT_S = 10.0  # after SIGTERM, before SIGKILL
IDLE_WAIT_S = 2.0  # an idle runner re-checks the queue at least this often (a wake-up usually comes first)


class Runner:
    def __init__(self, book: JobBook) -> None:
        self.book = book
        self._wake, self._closing = threading.Event(), threading.Event()
        self._child: subprocess.Popen[bytes] | None = None
        self._child_job: str | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="looptune-jobs", daemon=True)

    def start(self) -> None:
        self.book.recover()
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def kill(self, job_id: str) -> None:
        """Stop the job's process now (cancel): SIGTERM to its group, SIGKILL if it lingers."""
        with self._lock:
            child = self._child if self._child_job == job_id else None
        if child is not None:
            _terminate(child)

    def close(self, wait_s: float = 5.0) -> None:
        """The server stops: ask a running job to checkpoint, give it `wait_s`, then kill it; it resumes later."""
        self._closing.set()
        self._wake.set()
        with self._lock:
            child, job_id = self._child, self._child_job
        if child is not None and job_id is not None:
            self.book.stop_file(job_id).touch()
            try:
                child.wait(timeout=wait_s)
            except subprocess.TimeoutExpired:
                _terminate(child)
        self._thread.join(timeout=KILL_WAIT_S + wait_s)

    # --- the thread

    def _loop(self) -> None:
        while not self._closing.is_set():
            try:
                if not self._step():
                    self._wake.wait(timeout=IDLE_WAIT_S)
                    self._wake.clear()
            except Exception:  # a bug must not stop every later job: log it, and the job it hit fails
                log.exception("the job runner failed")
                self._wake.wait(timeout=IDLE_WAIT_S)

    def _step(self) -> bool:
        """Do one thing (validate a job, or run one); False when there was nothing to do."""
        job = self.book.store.oldest("validating_files")
        if job is not None:
            self.book.validate(job)
            return True
        job = self.book.store.oldest("queued")
        if job is None:
            return False
        try:
            self._run(job)
        except Exception as exc:
            self.book.failed(job.id, "internal_error", f"the job runner failed: {type(exc).__name__}: {exc}")
            raise
        return True

    def _run(self, job: Job) -> None:
        if not self.book.claim(job.id):  # paused or cancelled since it was picked
            return
        paths = self.book.paths(job.id)
        paths.stop.unlink(missing_ok=True)
        offset = paths.events.stat().st_size if paths.events.exists() else 0
        argv = [sys.executable, "-m", "agent.cli.main", "train", "--events", str(paths.events)]
        argv += ["--stop-file", str(paths.stop)] + (["--resume"] if job.resume else [])
        argv.append(str(paths.config))  # last: whatever follows the config is read as config overrides
        with paths.log.open("ab") as out:
            child = subprocess.Popen(
                argv,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=paths.root,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
                start_new_session=True,  # its own group: cancel kills whatever it started too
                preexec_fn=die_with_parent,  # noqa: PLW1509 - a prctl only; the runner thread outlives it
            )
        with self._lock:
            self._child, self._child_job = child, job.id
        self.book.started(job.id, child.pid)
        try:
            code = self._watch(job.id, child, paths.events, offset)
        finally:
            with self._lock:
                self._child, self._child_job = None, None
        if not self._closing.is_set():
            self.book.ended(job.id, code, paths.log)

    def _watch(self, job_id: str, child: subprocess.Popen[bytes], events: Path, offset: int) -> int:
        """Wait for the child, feeding its events to the book and passing on pause requests."""
        while True:
            try:
                code = child.wait(timeout=POLL_S)
                break
            except subprocess.TimeoutExpired:
                offset = _tail(events, offset, lambda e: self.book.progress(job_id, e))
                wanted = self.book.get(job_id).requested
                if wanted == "pause":
                    self.book.stop_file(job_id).touch()
                elif wanted == "cancel":  # also when the request came before kill() could see the process
                    _terminate(child)
        _tail(events, offset, lambda e: self.book.progress(job_id, e))
        return code


def _tail(path: Path, offset: int, handle: Callable[[dict[str, Any]], None]) -> int:
    """Hand each complete new line from `offset` on to `handle`; returns the offset after the last one."""
    if not path.exists():
        return offset
    with path.open("rb") as stream:
        stream.seek(offset)
        data = stream.read()
    end = data.rfind(b"\n") + 1  # a line still being written waits for the next read
    for line in data[:end].splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            log.warning("skipped an unreadable line in %s", path)
            continue
        if isinstance(event, dict):
            handle(event)
    return offset + end


def _terminate(child: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(child.pid, signal.SIGTERM)
        child.wait(timeout=KILL_WAIT_S)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def die_with_parent() -> None:
    """In the child before exec: the kernel kills it when the runner's thread (the server) dies."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
