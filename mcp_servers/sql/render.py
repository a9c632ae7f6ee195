"""Compact text for the sql tools' results: one line per row or column, every field named.

This module only formats the plain data `store` returns; it knows nothing of SQLite.
"""

from __future__ import annotations

from typing import Any

MAX_CELL_CHARS = 200


def cell(value: Any) -> str:
    """One value as table text: NULL for None, one line, long text cut with an ellipsis."""
    text = "NULL" if value is None else str(value).replace("\n", "\\n")
    return text if len(text) <= MAX_CELL_CHARS else text[: MAX_CELL_CHARS - 1] + "…"


def rows_text(columns: list[str], rows: list[list[Any]], row_count: int) -> str:
    """A result set as `a | b` lines, then how many rows there were and how many are not shown."""
    if not columns:
        return "The statement returned no rows."
    lines = [" | ".join(columns), *(" | ".join(cell(v) for v in row) for row in rows)]
    if row_count > len(rows):
        more = row_count - len(rows)
        lines.append(f"({row_count} rows; showing the first {len(rows)}, {more} more not shown: add LIMIT/WHERE)")
    else:
        lines.append(f"({row_count} row{'' if row_count == 1 else 's'})")
    return "\n".join(lines)


def tables_text(tables: list[dict[str, Any]]) -> str:
    """Each table with its row count, each view marked as one."""
    if not tables:
        return "The database has no tables yet; create one with execute."
    return "\n".join(
        f"{t['name']} (table, {t['rows']} row{'' if t['rows'] == 1 else 's'})"
        if t["type"] == "table"
        else f"{t['name']} (view)"
        for t in tables
    )


def column_text(column: dict[str, Any]) -> str:
    """One column: name, type, primary key, nullability and default."""
    parts = [f"{column['name']} {column['type'] or '(no type)'}"]
    if column["primary_key"]:
        parts.append("primary key")
    parts.append("nullable" if column["nullable"] else "not null")
    if column["default"] is not None:
        parts.append(f"default {column['default']}")
    return "- " + ", ".join(parts)


def describe_text(info: dict[str, Any]) -> str:
    """A table's header line, its columns, and its foreign keys."""
    count = "" if info["row_count"] is None else f", {info['row_count']} rows"
    lines = [f"{info['table']} ({info['type']}{count}) columns:", *map(column_text, info["columns"])]
    for key in info["foreign_keys"]:
        target = key["references_column"] or "(primary key)"
        lines.append(f"- foreign key {key['column']} -> {key['references_table']}.{target}")
    return "\n".join(lines)


def execute_text(outcome: dict[str, Any]) -> str:
    """What a script did: statements run, rows changed, last rowid, and any rows it returned."""
    count = outcome["statements"]
    changed = outcome["rows_changed"]
    line = f"Committed {count} statement{'' if count == 1 else 's'}; {changed} row{'' if changed == 1 else 's'} changed"
    if outcome["last_insert_rowid"] is not None:
        line += f"; last inserted rowid {outcome['last_insert_rowid']}"
    returned = outcome["returned"]
    if returned is None:
        return line + "."
    return f"{line}. Returned:\n" + rows_text(returned["columns"], returned["rows"], returned["row_count"])
