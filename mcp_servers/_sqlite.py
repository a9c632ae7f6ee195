"""A SQLite file opened with one short connection per call (WAL), shared by the stateful servers."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path


class OpenError(Exception):
    """A database file cannot be used; the message says why (the caller names the file)."""


def now() -> str:
    """The current UTC time as ISO 8601, to the second: what the stores stamp rows with."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class Deadline:
    """A progress handler that interrupts SQLite once `seconds` have passed (`hit` says it did)."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self.hit = False

    def __call__(self) -> bool:
        self.hit = self.hit or time.monotonic() > self.at
        return self.hit


class SqliteFile:
    """Creates the file and schema once; `connect()` commits on success, rolls back on error, always closes."""

    def __init__(self, path: Path, schema: str) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(schema)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A short connection for one call."""
        # Short connections: tools run on worker threads and several servers may share a file.
        with closing(sqlite3.connect(self.path, timeout=10)) as conn, conn:
            conn.execute("PRAGMA synchronous=NORMAL")
            yield conn
