"""The to-do store: one SQLite file (WAL) with a `tasks` table.

Task ids are AUTOINCREMENT integers, so they survive restarts and are never
reused after a delete. Lists come back sorted by status (open first), due date
(undated last) and id. Values arrive already checked (see `fields.py`); this
module knows SQL and rows, not MCP or text rendering.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mcp_servers._sqlite import SqliteFile, now

SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    due TEXT,
    priority TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high')),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    tags TEXT NOT NULL DEFAULT '[]',
    created TEXT NOT NULL,
    completed TEXT
);
"""

COLUMNS = "id, title, due, priority, status, tags, created, completed"
UPDATABLE = frozenset({"title", "due", "priority", "status", "completed"})
MAX_ID = 2**63 - 1  # SQLite's largest integer; bigger ids cannot exist
ORDER = "ORDER BY CASE status WHEN 'open' THEN 0 ELSE 1 END, due IS NULL, due, id"


@dataclass
class Task:
    """One to-do item."""

    id: int
    title: str
    due: str | None = None
    priority: str = "normal"
    status: str = "open"
    tags: list[str] = field(default_factory=list)
    created: str = ""
    completed: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _task(row: tuple[Any, ...]) -> Task:
    task_id, title, due, priority, status, tags, created, completed = row
    return Task(task_id, title, due, priority, status, json.loads(tags), created, completed)


class TaskStore(SqliteFile):
    """The SQLite file behind one tasks server; every call opens its own short connection."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, SCHEMA)

    def add(self, title: str, due: str | None, priority: str, tags: list[str]) -> Task:
        """Store a new open task; returns it with its id."""
        with self.connect() as conn:
            cur = conn.execute(
                "INSERT INTO tasks (title, due, priority, tags, created) VALUES (?, ?, ?, ?, ?)",
                (title, due, priority, json.dumps(tags), now()),
            )
            task = _get(conn, cur.lastrowid)
        # Inserted just now on this connection, so the row is there.
        assert task is not None, f"task {cur.lastrowid} vanished right after its insert"
        return task

    def get(self, task_id: int) -> Task | None:
        with self.connect() as conn:
            return _get(conn, task_id)

    def list(self, status: str = "open", tag: str | None = None) -> list[Task]:
        """Tasks with this status ('all' for every one), optionally only those carrying `tag`."""
        where, params = [], []
        if status != "all":
            where.append("status = ?")
            params.append(status)
        if tag is not None:
            where.append("EXISTS (SELECT 1 FROM json_each(tasks.tags) WHERE value = ?)")
            params.append(tag)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        with self.connect() as conn:
            rows = conn.execute(f"SELECT {COLUMNS} FROM tasks {clause} {ORDER}", params).fetchall()
        return [_task(row) for row in rows]

    def update(self, task_id: int, changes: dict[str, Any]) -> Task | None:
        """Set the given columns (title, due, priority, status, completed); returns the task after."""
        if not 0 < task_id <= MAX_ID:
            return None
        # Column names come from this package, never from a caller; the check keeps it that way.
        assert changes and set(changes) <= UPDATABLE, f"nothing to set or not updatable: {set(changes) - UPDATABLE}"
        assignments = ", ".join(f"{column} = ?" for column in changes)
        with self.connect() as conn:
            conn.execute(f"UPDATE tasks SET {assignments} WHERE id = ?", (*changes.values(), task_id))
            return _get(conn, task_id)

    def complete(self, task_id: int) -> Task | None:
        """Mark a task done (stamping when); returns the task after."""
        return self.update(task_id, {"status": "done", "completed": now()})

    def delete(self, task_id: int) -> Task | None:
        """Remove a task; returns what was removed, or None if there was no such id."""
        with self.connect() as conn:
            task = _get(conn, task_id)
            if task is not None:
                conn.execute("DELETE FROM tasks WHERE id = ?", (task_id,))
            return task


def _get(conn: sqlite3.Connection, task_id: int | None) -> Task | None:
    if task_id is None or not 0 < task_id <= MAX_ID:
        return None
    row = conn.execute(f"SELECT {COLUMNS} FROM tasks WHERE id = ?", (task_id,)).fetchone()
    return None if row is None else _task(row)
