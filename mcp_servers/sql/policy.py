"""What each SQL tool may do, enforced by SQLite's authorizer while a statement is prepared.

`query` may only read: SELECT, recursive CTEs, functions, and pragmas that report
(table_info, index_list, ...). `execute` may change anything inside its one database
file, but not ATTACH/DETACH (so not VACUUM INTO either), BEGIN/COMMIT/ROLLBACK (it
owns the transaction), load_extension, or pragmas that change how the file is kept.
A refused action makes SQLite fail the prepare with "not authorized", before anything
runs; `Policy.refusal` keeps the first reason so the caller can explain it. This module
knows nothing of connections or the database's contents.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

Judge = Callable[[int, str | None, str | None], str | None]

_ACTIONS = (
    "CREATE INDEX|CREATE TABLE|CREATE TEMP INDEX|CREATE TEMP TABLE|CREATE TEMP TRIGGER|CREATE TEMP VIEW|"
    "CREATE TRIGGER|CREATE VIEW|DELETE|DROP INDEX|DROP TABLE|DROP TEMP INDEX|DROP TEMP TABLE|DROP TEMP TRIGGER|"
    "DROP TEMP VIEW|DROP TRIGGER|DROP VIEW|INSERT|PRAGMA|READ|SELECT|TRANSACTION|UPDATE|ATTACH|DETACH|"
    "ALTER TABLE|REINDEX|ANALYZE|CREATE VTABLE|DROP VTABLE|FUNCTION|SAVEPOINT|RECURSIVE"
)
ACTION_NAMES = {getattr(sqlite3, "SQLITE_" + name.replace(" ", "_")): name for name in _ACTIONS.split("|")}

_READS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE}
_BOOKKEEPING = {sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE}
_SCHEMA_TABLES = {"sqlite_master", "sqlite_temp_master"}
_TABLE_PRAGMAS = {
    "table_info",
    "table_xinfo",
    "table_list",
    "index_list",
    "index_info",
    "index_xinfo",
    "foreign_key_list",
    "foreign_key_check",
    "integrity_check",
    "quick_check",
}
_REPORT_PRAGMAS = _TABLE_PRAGMAS | {
    "application_id",
    "collation_list",
    "compile_options",
    "data_version",
    "database_list",
    "encoding",
    "foreign_keys",
    "freelist_count",
    "function_list",
    "journal_mode",
    "page_count",
    "page_size",
    "pragma_list",
    "schema_version",
    "user_version",
}
_GUARDED_PRAGMAS = {
    "journal_mode",
    "locking_mode",
    "query_only",
    "writable_schema",
    "temp_store_directory",
    "data_store_directory",
    "mmap_size",
}

READ_ONLY_HINT = "query is read-only. Use execute to change the database."
ATTACH_REFUSED = "ATTACH, DETACH and VACUUM INTO are refused: this server works on its own database file only."
TRANSACTION_REFUSED = (
    "BEGIN/COMMIT/ROLLBACK are refused: execute already runs all its statements in one transaction "
    "(all or nothing). Send the statements without them."
)


class Policy:
    """An authorizer callback built from a judge; remembers the first refusal's reason."""

    def __init__(self, judge: Judge) -> None:
        self._judge = judge
        self.refusal: str | None = None

    def __call__(self, action: int, arg1: str | None, arg2: str | None, _db: str | None, _trigger: str | None) -> int:
        reason = self._judge(action, arg1, arg2)
        if reason is None:
            return sqlite3.SQLITE_OK
        self.refusal = self.refusal or reason
        return sqlite3.SQLITE_DENY


def may_read(action: int, arg1: str | None, arg2: str | None) -> str | None:
    """Why `query` refuses this action, or None when it only reads."""
    if action in _READS:
        return None
    if action == sqlite3.SQLITE_FUNCTION:
        return _function(arg2)
    if action == sqlite3.SQLITE_PRAGMA:
        return _reading_pragma(arg1 or "", arg2)
    if action in _BOOKKEEPING and arg1 in _SCHEMA_TABLES:
        # SQLite asks for these before the real action (CREATE/DROP ... comes next and is refused
        # by name) and while setting up pragma_* functions; the connection is read-only anyway.
        return None
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return ATTACH_REFUSED
    name = arg1 if action == sqlite3.SQLITE_TRANSACTION else ACTION_NAMES.get(action, "this statement")
    return f"{name} is refused: {READ_ONLY_HINT}"


def may_write(action: int, arg1: str | None, arg2: str | None) -> str | None:
    """Why `execute` refuses this action, or None when it is allowed."""
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return ATTACH_REFUSED
    if action == sqlite3.SQLITE_TRANSACTION:
        return TRANSACTION_REFUSED
    if action == sqlite3.SQLITE_FUNCTION:
        return _function(arg2)
    if action == sqlite3.SQLITE_PRAGMA and arg2 is not None and (arg1 or "").lower() in _GUARDED_PRAGMAS:
        return f"PRAGMA {arg1} cannot be changed: the server manages how the database file is kept."
    return None


def _function(name: str | None) -> str | None:
    if (name or "").lower() == "load_extension":
        return "load_extension is refused: extensions cannot be loaded."
    return None


def _reading_pragma(name: str, value: str | None) -> str | None:
    name = name.lower()
    if name in _REPORT_PRAGMAS and (value is None or name in _TABLE_PRAGMAS):
        return None
    setting = f"PRAGMA {name}" + (f" = {value}" if value is not None else "")
    return f"{setting} is refused: {READ_ONLY_HINT} Reading pragmas such as table_info(t) are allowed."
