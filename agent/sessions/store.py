"""The session store: every chat/run turn in SQLite (WAL), written as it happens.

A session is a conversation; a turn is one user message and everything the
agent did about it; messages are stored in order, one row each, committed at
once, so a crash or `kill -9` loses at most the step in flight. Several
processes may use the store at the same time. This module knows wire
messages and tool specs; it knows nothing of the loop, the hub or the terminal.
"""

from __future__ import annotations

import builtins
import json
import os
import secrets
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent.errors import USAGE, LooptuneError
from agent.messages import Message, ToolSpec, UserMessage, content_text, parse_messages

DATA_ENV = "LOOPTUNE_DATA_DIR"
SCHEMA_VERSION = 1
MIN_PREFIX = 4
TITLE_CHARS = 80
MEMORY = ":memory:"  # a store that keeps nothing after the process (`--no-save`)
SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, title TEXT,
    backend TEXT, model TEXT, source TEXT NOT NULL DEFAULT 'chat', meta TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS turns (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE, turn INTEGER NOT NULL,
    started_at TEXT NOT NULL, ended_at TEXT, outcome TEXT NOT NULL, error TEXT, duration_s REAL,
    steps INTEGER NOT NULL DEFAULT 0, tools TEXT NOT NULL DEFAULT '[]', PRIMARY KEY (session_id, turn));
CREATE TABLE IF NOT EXISTS messages (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE, seq INTEGER NOT NULL,
    turn INTEGER NOT NULL, message TEXT NOT NULL, PRIMARY KEY (session_id, seq));
CREATE INDEX IF NOT EXISTS sessions_by_update ON sessions(updated_at);
"""


class SessionError(LooptuneError):
    """A session reference that names nothing, or more than one thing; one readable line."""

    exit_code = USAGE


def data_dir() -> Path:
    """`$LOOPTUNE_DATA_DIR`, else `$XDG_DATA_HOME/looptune`, else `~/.local/share/looptune`."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "looptune"


def default_db_path() -> Path:
    """Where sessions live by default."""
    return data_dir() / "sessions.db"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass
class SessionInfo:
    id: str
    created_at: str
    updated_at: str
    title: str | None
    backend: str | None
    model: str | None
    source: str
    turns: int = 0
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class TurnRecord:
    turn: int
    started_at: str
    ended_at: str | None
    outcome: str  # running | final | error | cancelled, or interrupted when its writer is gone
    error: str | None
    duration_s: float | None
    steps: int
    tools: list[ToolSpec] = field(default_factory=list)


def _title(messages: list[Message]) -> str | None:
    user = next((m for m in messages if isinstance(m, UserMessage)), None)
    if user is None:
        return None
    line = " ".join(content_text(user.content).split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1] + "…"


def _dump(messages: list[Message]) -> list[str]:
    return [json.dumps(m.to_wire(), ensure_ascii=False) for m in messages]


class SessionStore:
    """Sessions, turns and messages in one SQLite file."""

    # `list` below is a method, and annotations in this class body would resolve to it (mypy:
    # "not valid as a type"); they spell the builtin as `builtins.list`.

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path else default_db_path()
        if str(path) != MEMORY:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit: every statement is durable at once; multi-row writes use explicit transactions.
        self.db = sqlite3.connect(str(self.path), timeout=5.0, isolation_level=None, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        # Turns this store opened and has not ended: still 'running', not 'interrupted', to their own writer.
        self._open: set[tuple[str, int]] = set()
        try:
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise SessionError(f"{self.path}: cannot open the session database: {exc}") from exc

    def _migrate(self) -> None:
        self.db.execute("PRAGMA busy_timeout = 5000")
        self.db.execute("PRAGMA foreign_keys = ON")
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise SessionError(f"{self.path}: written by a newer looptune (schema {version}); upgrade to read it")
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.executescript(SCHEMA)
        self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- sessions -------------------------------------------------------------------

    def create(self, *, backend: str, model: str, source: str = "chat", meta: dict[str, Any] | None = None) -> str:
        """A new, empty session; returns its id."""
        sid, stamp = secrets.token_hex(6), now()
        self.db.execute(
            "INSERT INTO sessions (id, created_at, updated_at, backend, model, source, meta) VALUES (?,?,?,?,?,?,?)",
            (sid, stamp, stamp, backend, model, source, json.dumps(meta or {})),
        )
        return sid

    def resolve(self, ref: str | None, source: str | None = None) -> str:
        """A session id from an exact id, a unique prefix, or None/"" for the most recent one (of `source`)."""
        if not ref:
            where, params = ("WHERE source = ?", (source,)) if source else ("", ())
            query = f"SELECT id FROM sessions {where} ORDER BY updated_at DESC, rowid DESC LIMIT 1"
            row = self.db.execute(query, params).fetchone()
            if row is None:
                raise SessionError(f"no {source + ' ' if source else ''}sessions stored yet in {self.path}")
            return row["id"]
        if len(ref) < MIN_PREFIX:
            raise SessionError(f"session id {ref!r} is too short: give at least {MIN_PREFIX} characters")
        # substr, not LIKE: `_` and `%` in what the user typed are not wildcards.
        query = "SELECT id FROM sessions WHERE substr(id, 1, ?) = ? ORDER BY id"
        rows = self.db.execute(query, (len(ref), ref)).fetchall()
        ids = [r["id"] for r in rows]
        if ref in ids:
            return ref
        if not ids:
            raise SessionError(f"no session {ref!r} in {self.path} (see `looptune sessions list`)")
        if len(ids) > 1:
            raise SessionError(f"session id {ref!r} is ambiguous: {', '.join(ids)}")
        return ids[0]

    def _info(self, row: sqlite3.Row) -> SessionInfo:
        return SessionInfo(
            row["id"], row["created_at"], row["updated_at"], row["title"], row["backend"], row["model"],
            row["source"], row["turns"], json.loads(row["meta"] or "{}"),
        )  # fmt: skip

    _SELECT = "SELECT s.*, (SELECT COUNT(*) FROM turns t WHERE t.session_id = s.id) AS turns FROM sessions s"

    def info(self, session_id: str) -> SessionInfo:
        """One session's summary."""
        row = self.db.execute(f"{self._SELECT} WHERE s.id = ?", (session_id,)).fetchone()
        if row is None:
            raise SessionError(f"no session {session_id!r} in {self.path}")
        return self._info(row)

    def list(self, limit: int | None = None) -> builtins.list[SessionInfo]:
        """Sessions, most recently updated first."""
        sql = f"{self._SELECT} ORDER BY s.updated_at DESC, s.rowid DESC" + (" LIMIT ?" if limit else "")
        return [self._info(r) for r in self.db.execute(sql, (limit,) if limit else ())]

    def delete(self, session_id: str) -> None:
        """Remove a session with its turns and messages."""
        self.db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    # -- turns and messages -----------------------------------------------------------

    def begin_turn(self, session_id: str, messages: builtins.list[Message], tools: builtins.list[ToolSpec]) -> int:
        """Open the next turn (outcome 'running') with its first messages; returns its number."""
        with self._transaction():
            self._require(session_id)
            row = self.db.execute("SELECT COALESCE(MAX(turn), 0) + 1 FROM turns WHERE session_id = ?", (session_id,))
            turn = row.fetchone()[0]
            self.db.execute(
                "INSERT INTO turns (session_id, turn, started_at, outcome, tools) VALUES (?,?,?,?,?)",
                (session_id, turn, now(), "running", _tools_json(tools)),
            )
            self._append(session_id, turn, messages)
            self.db.execute(
                "UPDATE sessions SET title = COALESCE(title, ?), updated_at = ? WHERE id = ?",
                (_title(messages), now(), session_id),
            )
        self._open.add((session_id, turn))
        return turn

    def add_messages(
        self, session_id: str, turn: int, messages: builtins.list[Message], tools: builtins.list[ToolSpec] | None = None
    ) -> None:
        """Append one step's messages to a turn (and the tools it saw)."""
        with self._transaction():
            self._update_turn(
                session_id, turn, "steps = steps + 1, tools = COALESCE(?, tools)",
                (_tools_json(tools) if tools is not None else None,),
            )  # fmt: skip
            self._append(session_id, turn, messages)
            self._touch(session_id)

    def end_turn(
        self, session_id: str, turn: int, outcome: str, *, error: str | None = None, duration_s: float | None = None
    ) -> None:
        """Record how a turn ended."""
        with self._transaction():
            columns = "outcome = ?, error = ?, duration_s = ?, ended_at = ?"
            self._update_turn(session_id, turn, columns, (outcome, error, duration_s, now()))
            self._touch(session_id)
        self._open.discard((session_id, turn))

    def messages(self, session_id: str) -> builtins.list[Message]:
        """Every stored message of a session, in order."""
        rows = self.db.execute("SELECT message FROM messages WHERE session_id = ? ORDER BY seq", (session_id,))
        return parse_messages([json.loads(r["message"]) for r in rows])

    def turn_messages(self, session_id: str) -> dict[int, builtins.list[Message]]:
        """The stored messages of a session grouped by turn."""
        rows = self.db.execute("SELECT turn, message FROM messages WHERE session_id = ? ORDER BY seq", (session_id,))
        grouped: dict[int, list[Message]] = {}
        for row in rows:
            grouped.setdefault(row["turn"], []).extend(parse_messages([json.loads(row["message"])]))
        return grouped

    def turns(self, session_id: str) -> builtins.list[TurnRecord]:
        """A session's turns in order; one 'running' that this store did not open reads as 'interrupted'."""
        rows = self.db.execute("SELECT * FROM turns WHERE session_id = ? ORDER BY turn", (session_id,))
        return [_turn(r, (session_id, r["turn"]) in self._open) for r in rows]

    def _require(self, session_id: str) -> None:
        if self.db.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is None:
            raise SessionError(f"no session {session_id!r} in {self.path}")

    def _update_turn(self, session_id: str, turn: int, columns: str, values: tuple[Any, ...]) -> None:
        sql = f"UPDATE turns SET {columns} WHERE session_id = ? AND turn = ?"
        if self.db.execute(sql, (*values, session_id, turn)).rowcount == 0:
            raise SessionError(f"no turn {turn} in session {session_id!r} in {self.path}")

    def _touch(self, session_id: str) -> None:
        self.db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now(), session_id))

    def _append(self, session_id: str, turn: int, messages: builtins.list[Message]) -> None:
        row = self.db.execute("SELECT COALESCE(MAX(seq), -1) + 1 FROM messages WHERE session_id = ?", (session_id,))
        start = row.fetchone()[0]
        self.db.executemany(
            "INSERT INTO messages (session_id, seq, turn, message) VALUES (?,?,?,?)",
            [(session_id, start + i, turn, text) for i, text in enumerate(_dump(messages))],
        )

    def _transaction(self) -> _Transaction:
        return _Transaction(self.db)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error): one writer at a time, all or nothing."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")


def _tools_json(tools: list[ToolSpec]) -> str:
    return json.dumps([t.to_wire() for t in tools], ensure_ascii=False)


def _turn(row: sqlite3.Row, own: bool) -> TurnRecord:
    tools = [ToolSpec.model_validate(t) for t in json.loads(row["tools"] or "[]")]
    # Another process's 'running' turn is only reported as interrupted, never rewritten: its writer may live on.
    outcome = "interrupted" if row["outcome"] == "running" and not own else row["outcome"]
    return TurnRecord(
        row["turn"], row["started_at"], row["ended_at"], outcome, row["error"], row["duration_s"], row["steps"], tools
    )
