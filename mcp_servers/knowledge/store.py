"""The document store: one SQLite file (WAL) with a `documents` table and its FTS5 index.

`documents` holds each document (`doc_id` is `doc-<id>`, derived from an
AUTOINCREMENT key, so ids are never reused and stay stable across restarts);
`documents_fts` is an external-content FTS5 index over title, text and tags,
kept in step by triggers on every insert, update and delete. Search ranks with
BM25 (title weighted above tags above text) under a time limit, then cuts each
hit's snippet from bounded passages (`snippets`), so a document's size or
number of matches cannot make a search run long. This module knows SQL and rows;
it does not know MCP, query sanitizing (see `query.py`) or folders on disk.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mcp_servers._sqlite import Deadline, SqliteFile, now
from mcp_servers.knowledge.snippets import SCAN_CHARS, TOKENIZE, snippet

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT GENERATED ALWAYS AS ('doc-' || id) VIRTUAL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    source TEXT UNIQUE,
    mtime INTEGER,
    size INTEGER,
    created TEXT NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5(
    title, text, tags, content='documents', content_rowid='id',
    tokenize='{TOKENIZE}'
);
CREATE TRIGGER IF NOT EXISTS documents_ai AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts(rowid, title, text, tags) VALUES (new.id, new.title, new.text, new.tags);
END;
CREATE TRIGGER IF NOT EXISTS documents_ad AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts(documents_fts, rowid, title, text, tags)
    VALUES ('delete', old.id, old.title, old.text, old.tags);
END;
CREATE TRIGGER IF NOT EXISTS documents_au AFTER UPDATE OF title, text, tags ON documents BEGIN
    INSERT INTO documents_fts(documents_fts, rowid, title, text, tags)
    VALUES ('delete', old.id, old.title, old.text, old.tags);
    INSERT INTO documents_fts(rowid, title, text, tags) VALUES (new.id, new.title, new.text, new.tags);
END;
"""

# Column weights for bm25(): a hit in the title says more than one in the body.
BM25_WEIGHTS = "4.0, 1.0, 2.0"
SEARCH_TIME_LIMIT_S = 5.0
PROGRESS_STEPS = 1000

# Ranking only: FTS5's snippet() is quadratic in a document's matches (see `snippets`).
SEARCH_SQL = f"""
SELECT d.doc_id, d.title, d.tags, substr(d.text, 1, {SCAN_CHARS}), bm25(documents_fts, {BM25_WEIGHTS}) AS rank
FROM documents_fts JOIN documents AS d ON d.id = documents_fts.rowid
WHERE documents_fts MATCH ?
ORDER BY rank, d.id
LIMIT ?
"""


class SearchTimeout(Exception):
    """A search ran past its time limit; the message says what to do instead."""


@dataclass
class Document:
    """One stored document."""

    doc_id: str
    title: str
    text: str
    tags: list[str] = field(default_factory=list)
    source: str | None = None


@dataclass
class Hit:
    """One search result; `score` is -bm25, so higher is better."""

    doc_id: str
    title: str
    snippet: str
    score: float
    tags: list[str]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SourceState:
    """What the index remembers of a file it indexed."""

    rowid: int
    mtime: int
    size: int


def join_tags(tags: list[str]) -> str:
    return ", ".join(tags)


def split_tags(stored: str) -> list[str]:
    return [t for t in stored.split(", ") if t]


def rowid_of(doc_id: str) -> int | None:
    """The integer key behind `doc-7` (or a bare `7`); None if it is not of that shape."""
    text = doc_id.strip().lower().removeprefix("doc-")
    # ASCII and short: int() rejects other Unicode digits and SQLite integers stop at 2**63.
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


class DocumentStore(SqliteFile):
    """The SQLite file behind one knowledge server; every call opens its own short connection."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, SCHEMA)

    def add(self, title: str, text: str, tags: list[str]) -> str:
        """Store a new document; returns its doc_id."""
        with self.connect() as conn:
            return insert(conn, title, text, tags)

    def get(self, doc_id: str) -> Document | None:
        """The document with this id, or None."""
        with self.connect() as conn:
            return fetch(conn, doc_id)

    def delete(self, doc_id: str) -> Document | None:
        """Remove a document; returns what was removed, or None if there was no such id."""
        with self.connect() as conn:
            doc = fetch(conn, doc_id)
            if doc is not None:
                conn.execute("DELETE FROM documents WHERE id = ?", (rowid_of(doc_id),))
            return doc

    def search(self, match: str, k: int, time_limit: float = SEARCH_TIME_LIMIT_S) -> list[Hit]:
        """The k best documents for an already-safe FTS5 MATCH expression; SearchTimeout past `time_limit`."""
        deadline = Deadline(time_limit)
        with self.connect() as conn:
            conn.set_progress_handler(deadline, PROGRESS_STEPS)
            try:
                rows = conn.execute(SEARCH_SQL, (match, k)).fetchall()
            except sqlite3.OperationalError:
                if deadline.hit:
                    raise SearchTimeout(
                        f"the search took longer than {time_limit:g} s; search with fewer, more specific keywords"
                    ) from None
                raise
        return [_hit(match, *row) for row in rows]


def insert(
    conn: sqlite3.Connection,
    title: str,
    text: str,
    tags: list[str],
    source: str | None = None,
    stat: tuple[int, int] | tuple[None, None] = (None, None),
) -> str:
    """Insert one document (optionally from a file with its (mtime_ns, size)); returns its doc_id."""
    cur = conn.execute(
        "INSERT INTO documents (title, text, tags, source, mtime, size, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (title, text, join_tags(tags), source, *stat, now()),
    )
    return f"doc-{cur.lastrowid}"


def update_source(conn: sqlite3.Connection, rowid: int, title: str, text: str, stat: tuple[int, int]) -> None:
    """Re-index a changed file in place, keeping its doc_id."""
    conn.execute(
        "UPDATE documents SET title = ?, text = ?, mtime = ?, size = ? WHERE id = ?", (title, text, *stat, rowid)
    )


def delete_rows(conn: sqlite3.Connection, rowids: list[int]) -> None:
    conn.executemany("DELETE FROM documents WHERE id = ?", [(r,) for r in rowids])


def fetch(conn: sqlite3.Connection, doc_id: str) -> Document | None:
    rowid = rowid_of(doc_id)
    if rowid is None:
        return None
    row = conn.execute("SELECT doc_id, title, text, tags, source FROM documents WHERE id = ?", (rowid,)).fetchone()
    if row is None:
        return None
    return Document(row[0], row[1], row[2], split_tags(row[3]), row[4])


def sources(conn: sqlite3.Connection) -> dict[str, SourceState]:
    """Every file-backed document, by source path."""
    rows = conn.execute("SELECT source, id, mtime, size FROM documents WHERE source IS NOT NULL")
    return {source: SourceState(rowid, mtime, size) for source, rowid, mtime, size in rows}


def _hit(match: str, doc_id: str, title: str, tags: str, text: str, rank: float) -> Hit:
    return Hit(doc_id, title, snippet(match, title, text, tags), round(-rank, 4), split_tags(tags))
