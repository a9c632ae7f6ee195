"""Splitting an SQL script into its statements, as SQLite itself would read them.

Semicolons inside strings, quoted names, comments and trigger bodies do not end a
statement; statements that are only comments or whitespace are dropped. The
script is read once, front to back: a tokenizer skips strings, quoted names and
comments whole, and the state machine of SQLite's `sqlite3_complete` (complete.c)
decides which semicolons end a statement, so a statement ends exactly where
`sqlite3.complete_statement` would say it is complete. This module knows nothing
of what the statements do.
"""

from __future__ import annotations

import re

_COMMENTS = re.compile(r"--[^\n]*|/\*.*?(?:\*/|$)", re.DOTALL)

# complete.c's tokens: whitespace and comments, a quoted string or name, an identifier
# or keyword (letters, digits, _, $ and every non-ASCII character), a semicolon, or any
# other single character. An unterminated comment, string or name runs to the end.
_TOKEN = re.compile(
    r"""(?P<ws>[ \t\n\r\f]+|/\*.*?(?:\*/|\Z)|--[^\n]*)
    |(?P<quoted>'[^']*(?:'|\Z)|"[^"]*(?:"|\Z)|`[^`]*(?:`|\Z)|\[[^\]]*(?:\]|\Z))
    |(?P<word>[A-Za-z0-9_$\x80-\U0010ffff]+)
    |(?P<semi>;)
    |(?P<other>.)""",
    re.DOTALL | re.VERBOSE,
)
SEMI, WS, OTHER, EXPLAIN, CREATE, TEMP, TRIGGER, END = range(8)
_KEYWORDS = {"explain": EXPLAIN, "create": CREATE, "temp": TEMP, "temporary": TEMP, "trigger": TRIGGER, "end": END}
_KINDS = {"ws": WS, "quoted": OTHER, "semi": SEMI, "other": OTHER}
START = 1
# States: 0 invalid, 1 start (a statement just ended), 2 normal, 3 explain, 4 create,
# 5 in a trigger body, 6 after a ; in a trigger body, 7 after its END. Columns are the tokens.
_NEXT = (
    (1, 0, 2, 3, 4, 2, 2, 2),
    (1, 1, 2, 3, 4, 2, 2, 2),
    (1, 2, 2, 2, 2, 2, 2, 2),
    (1, 3, 3, 2, 4, 2, 2, 2),
    (1, 4, 2, 2, 2, 4, 5, 2),
    (6, 5, 5, 5, 5, 5, 5, 5),
    (6, 6, 5, 5, 5, 5, 5, 7),
    (1, 7, 5, 5, 5, 5, 5, 5),
)


def split_statements(sql: str) -> list[str]:
    """The statements of `sql`, in order, without empty ones (one pass, linear in its length)."""
    statements, start, state = [], 0, 0
    for match in _TOKEN.finditer(sql):
        kind = match.lastgroup
        # Every alternative of _TOKEN is a named group, so a match always names one.
        assert kind is not None, f"unnamed token at {match.start()}"
        if kind == "word":
            word = match.group()
            token = _KEYWORDS.get(word.lower(), OTHER) if word.isascii() else OTHER
        else:
            token = _KINDS[kind]
        state = _NEXT[state][token]
        if token == SEMI and state == START:
            statements.append(sql[start : match.end()])
            start = match.end()
    statements.append(sql[start:])
    return [statement for statement in statements if not _blank(statement)]


def _blank(statement: str) -> bool:
    # A real statement starts with a keyword or "(" before any string, so stripping
    # comment-like text can only empty a chunk that held nothing but comments.
    return not _COMMENTS.sub("", statement).strip(" \t\r\n;")
