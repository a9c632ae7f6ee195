"""Splitting an SQL script into its statements, as SQLite itself would read them.

Semicolons inside strings, quoted names, comments and trigger bodies do not end a
statement (`sqlite3.complete_statement` decides); statements that are only comments
or whitespace are dropped. This module knows nothing of what the statements do.
"""

from __future__ import annotations

import re
import sqlite3

_COMMENTS = re.compile(r"--[^\n]*|/\*.*?(?:\*/|$)", re.DOTALL)


def split_statements(sql: str) -> list[str]:
    """The statements of `sql`, in order, without empty ones."""
    statements, start = [], 0
    for end, char in enumerate(sql):
        if char == ";" and sqlite3.complete_statement(sql[start : end + 1]):
            statements.append(sql[start : end + 1])
            start = end + 1
    statements.append(sql[start:])
    return [statement for statement in statements if not _blank(statement)]


def _blank(statement: str) -> bool:
    # A real statement starts with a keyword or "(" before any string, so stripping
    # comment-like text can only empty a chunk that held nothing but comments.
    return not _COMMENTS.sub("", statement).strip(" \t\r\n;")
