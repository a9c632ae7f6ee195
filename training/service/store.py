"""The fine-tuning service's SQLite database (WAL): files, jobs, events, checkpoints and tuned models.

Each record is one row: the columns lists and lookups need, plus the whole
record as JSON. Every write commits at once, so a killed server loses
nothing it had answered. One connection, guarded by a lock, serves the HTTP
handlers and the job runner's thread. It knows nothing of HTTP or training.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from training.service.records import Checkpoint, Event, FileRecord, Job, JobError, TunedModel

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, status TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, job_id TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoints (
    id TEXT PRIMARY KEY, job_id TEXT NOT NULL, step INTEGER NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS models (id TEXT PRIMARY KEY, created INTEGER NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_by_job ON events(job_id, seq);
CREATE INDEX IF NOT EXISTS checkpoints_by_job ON checkpoints(job_id, step);
"""


class Store:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._tx() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._db

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- files

    def put_file(self, record: FileRecord) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?)", (record.id, record.created_at, _dump(record)))

    def file(self, file_id: str) -> FileRecord | None:
        with self._tx() as db:
            row = db.execute("SELECT body FROM files WHERE id = ?", (file_id,)).fetchone()
        return FileRecord(**json.loads(row[0])) if row else None

    def files(self) -> list[FileRecord]:
        with self._tx() as db:
            rows = db.execute("SELECT body FROM files ORDER BY created_at DESC, rowid DESC").fetchall()
        return [FileRecord(**json.loads(row[0])) for row in rows]

    def delete_file(self, file_id: str) -> bool:
        with self._tx() as db:
            return db.execute("DELETE FROM files WHERE id = ?", (file_id,)).rowcount > 0

    # --- jobs

    def put_job(self, job: Job) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO jobs (id, status, body) VALUES (?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET status = excluded.status, body = excluded.body",
                (job.id, job.status, _dump(job)),
            )

    def update_job(self, job_id: str, change: Callable[[Job], None]) -> Job:
        """Read, change and write one job in one transaction (the runner and the handlers both change jobs)."""
        with self._tx() as db:
            row = db.execute("SELECT body FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                raise KeyError(job_id)
            job = _job(row[0])
            change(job)
            db.execute("UPDATE jobs SET status = ?, body = ? WHERE id = ?", (job.status, _dump(job), job.id))
        return job

    def job(self, job_id: str) -> Job | None:
        with self._tx() as db:
            row = db.execute("SELECT body FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row[0]) if row else None

    def jobs(self, *, after: str | None = None, limit: int | None = None, status: str | None = None) -> list[Job]:
        """Newest first; `after` a job id: the ones created before it (OpenAI's cursor)."""
        where, given = ("status = ?", [status]) if status is not None else ("1", [])
        query, args = _newest_first("jobs", where, given, after, limit)
        with self._tx() as db:
            return [_job(row[0]) for row in db.execute(query, args).fetchall()]

    def oldest(self, status: str) -> Job | None:
        with self._tx() as db:
            row = db.execute("SELECT body FROM jobs WHERE status = ? ORDER BY seq LIMIT 1", (status,)).fetchone()
        return _job(row[0]) if row else None

    # --- events and checkpoints

    def add_event(self, event: Event) -> None:
        with self._tx() as db:
            db.execute("INSERT INTO events (id, job_id, body) VALUES (?, ?, ?)", (event.id, event.job_id, _dump(event)))

    def events(self, job_id: str, *, after: str | None = None, limit: int | None = None) -> list[Event]:
        """Newest first, as OpenAI lists them; `after` an event id: the ones before it."""
        query, args = _newest_first("events", "job_id = ?", [job_id], after, limit)
        with self._tx() as db:
            return [Event(**json.loads(row[0])) for row in db.execute(query, args).fetchall()]

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?, ?)",
                (checkpoint.id, checkpoint.job_id, checkpoint.step, _dump(checkpoint)),
            )

    def checkpoints(self, job_id: str) -> list[Checkpoint]:
        """Newest (highest step) first."""
        with self._tx() as db:
            rows = db.execute("SELECT body FROM checkpoints WHERE job_id = ? ORDER BY step DESC", (job_id,)).fetchall()
        return [Checkpoint(**json.loads(row[0])) for row in rows]

    def checkpoint_by_model(self, model: str) -> Checkpoint | None:
        with self._tx() as db:
            rows = db.execute("SELECT body FROM checkpoints").fetchall()
        found = (Checkpoint(**json.loads(row[0])) for row in rows)
        return next((c for c in found if c.model == model), None)

    # --- tuned models

    def put_model(self, model: TunedModel) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO models VALUES (?, ?, ?)", (model.id, model.created, _dump(model)))

    def models(self) -> list[TunedModel]:
        with self._tx() as db:
            rows = db.execute("SELECT body FROM models ORDER BY created, rowid").fetchall()
        return [TunedModel(**json.loads(row[0])) for row in rows]

    def model(self, model_id: str) -> TunedModel | None:
        with self._tx() as db:
            row = db.execute("SELECT body FROM models WHERE id = ?", (model_id,)).fetchone()
        return TunedModel(**json.loads(row[0])) if row else None

    def delete_model(self, model_id: str) -> bool:
        with self._tx() as db:
            return db.execute("DELETE FROM models WHERE id = ?", (model_id,)).rowcount > 0


def _newest_first(
    table: str, where: str, args: list[str], after: str | None, limit: int | None
) -> tuple[str, list[str | int]]:
    """A cursor page's query: rows matching `where`, newest first, those before the row `after` names."""
    query, values = f"SELECT body FROM {table} WHERE {where}", list[str | int](args)
    if after is not None:
        query += f" AND seq < (SELECT seq FROM {table} WHERE id = ?)"
        values.append(after)
    query += " ORDER BY seq DESC" + (" LIMIT ?" if limit is not None else "")
    return query, values + ([limit] if limit is not None else [])


def _dump(record: Any) -> str:
    return json.dumps(dataclasses.asdict(record), ensure_ascii=False)


def _job(body: str) -> Job:
    data = json.loads(body)
    error = data.pop("error")
    return Job(**data, error=JobError(**error) if error else None)
