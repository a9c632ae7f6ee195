"""The SQLite database behind the sql server: one file in WAL mode, a fresh connection per call.

Reads (`tables`, `describe`, `query`) use a connection opened read-only
(`mode=ro`, `PRAGMA query_only`) and, for `query`, the read policy; `execute`
runs a script in one IMMEDIATE transaction under the write policy, rolled back
on any error. Every call has a time limit (a progress handler interrupts
SQLite) and caps on SQL length and value sizes; failures come back as SqlError
with a message for the model. Results are plain Python data; this module knows nothing of MCP
or of how results are shown.
"""

from __future__ import annotations

import itertools
import math
import sqlite3
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from mcp_servers._sqlite import Deadline, OpenError
from mcp_servers.sql.policy import READ_ONLY_HINT, Policy, may_read, may_write
from mcp_servers.sql.statements import split_statements

BUSY_TIMEOUT_S = 5.0
MAX_VALUE_BYTES = 10_000_000
MAX_SQL_CHARS = 100_000
PROGRESS_STEPS = 1000
_TABLES_SQL = (
    "SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view') "
    "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name"
)


class SqlError(Exception):
    """A refused or failed call; the message says what went wrong and what to do instead."""


@dataclass
class Rows:
    """A result set: the first rows of it, and how many rows it had in all."""

    columns: list[str]
    rows: list[list[Any]]
    row_count: int
    truncated: bool

    def as_data(self) -> dict[str, Any]:
        """The rows as a JSON object."""
        return asdict(self)


class _Session:
    """One connection for one call, closed after it; SQLite errors leave it as SqlError."""

    def __init__(self, db: Database, read_only: bool, policy: Policy | None = None) -> None:
        self.db, self.read_only, self.policy = db, read_only, policy
        self.deadline = Deadline(db.time_limit)

    def __enter__(self) -> sqlite3.Connection:
        try:
            self.conn = self._open()
        except sqlite3.Error as exc:
            raise SqlError(f"cannot open the database {self.db.path}: {exc}") from None
        try:
            self._configure()
        except sqlite3.Error as exc:
            self.conn.close()
            raise SqlError(f"cannot open the database {self.db.path}: {exc}") from None
        return self.conn

    def _configure(self) -> None:
        self.conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        self.conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
        if self.read_only:
            self.conn.execute("PRAGMA query_only = ON")
        self.conn.set_progress_handler(self.deadline, PROGRESS_STEPS)

    def _open(self) -> sqlite3.Connection:
        if self.read_only:
            uri = self.db.path.resolve().as_uri() + "?mode=ro"
            return sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_S)
        return sqlite3.connect(self.db.path, isolation_level=None, timeout=BUSY_TIMEOUT_S)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.conn.close()
        if isinstance(exc, sqlite3.Error | sqlite3.Warning | ValueError):
            raise self.explain(exc) from None

    def explain(self, exc: BaseException) -> SqlError:
        """The SqlError a model can act on for what SQLite raised."""
        text = str(exc)
        if self.deadline.hit:
            return SqlError(
                f"stopped after the {self.db.time_limit:g} s time limit: the statement ran too long "
                "(a runaway recursive query or a huge join?). Add a LIMIT or narrow it down; nothing was changed."
            )
        if self.policy is not None and self.policy.refusal:
            return SqlError(self.policy.refusal)
        if "readonly database" in text:
            return SqlError(READ_ONLY_HINT)
        if "one statement at a time" in text:
            return SqlError("query runs exactly one statement per call; use execute to run a script of several.")
        return SqlError(f"SQLite error: {text}")


class Database:
    """A SQLite file and the calls the tools make on it."""

    def __init__(self, path: Path, time_limit: float = 5.0, max_rows: int = 50) -> None:
        self.path, self.time_limit, self.max_rows = path, time_limit, max_rows

    def create(self, seed_sql: str | None = None) -> None:
        """Make sure the file exists in WAL mode; run `seed_sql` (trusted, as given) if it is new.

        A file that cannot be opened or put in WAL mode raises sqlite3.Error; a seed
        that fails raises OpenError. Either way a file this call created is removed,
        and a file that was there before is left exactly as it was.
        """
        new = not self.path.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with closing(sqlite3.connect(self.path, isolation_level=None)) as conn:
                conn.execute("PRAGMA journal_mode = WAL")
                if new and seed_sql:
                    try:
                        conn.executescript(seed_sql)
                    except sqlite3.Error as exc:
                        raise OpenError(f"the seed SQL failed, so the database was not created: {exc}") from None
        except (sqlite3.Error, OpenError):
            if new:
                self.path.unlink(missing_ok=True)
            raise

    def tables(self) -> list[dict[str, Any]]:
        """Every table (with its row count) and view (without), by name."""
        with _Session(self, read_only=True) as conn:
            found = conn.execute(_TABLES_SQL).fetchall()
            return [{"name": name, "type": kind, "rows": _count(conn, name, kind)} for name, kind in found]

    def describe(self, table: str) -> dict[str, Any]:
        """A table's columns, foreign keys and row count; SqlError naming the tables if there is none such."""
        with _Session(self, read_only=True) as conn:
            found = conn.execute(
                "SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view') AND name = ? COLLATE NOCASE",
                (table,),
            ).fetchone()
            if found is None:
                raise SqlError(f"no table named {table!r}. {self._table_list(conn)}")
            name, kind = found
            return {
                "table": name,
                "type": kind,
                "row_count": _count(conn, name, kind),
                "columns": _columns(conn, name),
                "foreign_keys": _foreign_keys(conn, name),
            }

    def query(self, sql: str) -> Rows:
        """The rows of one read-only statement, the first `max_rows` of them kept."""
        _statements(sql)  # SQLite itself refuses a second statement, with a reason _Session explains
        policy = Policy(may_read)
        with _Session(self, read_only=True, policy=policy) as conn:
            conn.set_authorizer(policy)
            try:
                cursor = conn.execute(sql)
            except sqlite3.OperationalError as exc:
                if "no such table" in str(exc) and not policy.refusal:
                    conn.set_authorizer(None)
                    raise SqlError(f"SQLite error: {exc}. {self._table_list(conn)}") from None
                raise
            return _collect(cursor, self.max_rows)

    def execute(self, sql: str) -> dict[str, Any]:
        """Run a script of statements in one transaction: all of them or, on any error, none."""
        statements = _statements(sql)
        policy = Policy(may_write)
        with _Session(self, read_only=False, policy=policy) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.set_authorizer(policy)
                outcome = _run(conn, statements, self.max_rows)
                conn.set_authorizer(None)
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise
            return outcome

    def _table_list(self, conn: sqlite3.Connection) -> str:
        names = [name for name, _ in conn.execute(_TABLES_SQL)]
        return f"Tables: {', '.join(names)}." if names else "The database has no tables yet; create one with execute."


def _statements(sql: str) -> list[str]:
    """The statements of `sql`; SqlError if it is too long or holds none."""
    if len(sql) > MAX_SQL_CHARS:
        raise SqlError(
            f"sql is {len(sql):,} characters; the limit is {MAX_SQL_CHARS:,}. "
            "Split a long script over several execute calls."
        )
    statements = split_statements(sql)
    if not statements:
        raise SqlError("no SQL statement given")
    return statements


def _run(conn: sqlite3.Connection, statements: list[str], max_rows: int) -> dict[str, Any]:
    before, returned = conn.total_changes, None
    for statement in statements:
        cursor = conn.execute(statement)
        if cursor.description:
            returned = _collect(cursor, max_rows)
    rowid = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
    return {
        "statements": len(statements),
        "rows_changed": conn.total_changes - before,
        "last_insert_rowid": rowid or None,
        "returned": returned.as_data() if returned else None,
    }


def _rollback(conn: sqlite3.Connection) -> None:
    # The deadline may have passed and the policy may refuse transactions: lift both first.
    conn.set_progress_handler(None, 0)
    conn.set_authorizer(None)
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def _collect(cursor: sqlite3.Cursor, max_rows: int) -> Rows:
    if cursor.description is None:
        return Rows([], [], 0, False)
    columns = [column[0] for column in cursor.description]
    rows = [[_json_value(value) for value in row] for row in itertools.islice(cursor, max_rows)]
    more = sum(1 for _ in cursor)
    return Rows(columns, rows, len(rows) + more, more > 0)


def _json_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return f"x'{value.hex()}'"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _count(conn: sqlite3.Connection, name: str, kind: str) -> int | None:
    # Views are not counted: counting one runs its whole query.
    return conn.execute(f"SELECT count(*) FROM {_quote(name)}").fetchone()[0] if kind == "table" else None


def _columns(conn: sqlite3.Connection, table: str) -> list[dict[str, Any]]:
    found = conn.execute(
        'SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_xinfo(?) WHERE hidden != 1', (table,)
    ).fetchall()
    keys = sum(1 for *_, pk in found if pk)
    return [
        {
            "name": name,
            "type": kind or "",
            # An INTEGER PRIMARY KEY is the rowid: never NULL, though SQLite does not mark it NOT NULL.
            "nullable": not notnull and not (pk and keys == 1 and kind.upper() == "INTEGER"),
            "default": default,
            "primary_key": bool(pk),
        }
        for name, kind, notnull, default, pk in found
    ]


def _foreign_keys(conn: sqlite3.Connection, table: str) -> list[dict[str, str]]:
    found = conn.execute('SELECT "from", "table", "to" FROM pragma_foreign_key_list(?)', (table,)).fetchall()
    return [{"column": column, "references_table": other, "references_column": to} for column, other, to in found]
