"""Turn free text from a user or a model into a safe FTS5 MATCH expression.

Every word becomes a double-quoted FTS5 string (so `AND`, `NEAR(`, `-`, `:`,
`^` and stray quotes are plain text, never syntax) and the words are joined
with OR, so BM25 ranks documents by how many of them, and how rare, they
contain. A trailing `*` on a word keeps its meaning as a prefix search. This
module knows FTS5 query syntax; it does not know the database.
"""

from __future__ import annotations

import re

MAX_TERMS = 32
# Letters and digits only: `_` and punctuation separate words, as in FTS5's unicode61 tokenizer.
_WORD = re.compile(r"([^\W_]+)(\*?)")
# Dropped only when other words remain, so "the who" still finds something.
STOP_WORDS = frozenset(
    {"a", "an", "and", "are", "as", "at", "be", "by", "do", "does", "for", "from", "how", "i", "in", "is", "it"}
    | {"me", "my", "of", "on", "or", "the", "to", "what", "when", "where", "which", "who", "why", "with"}
)


class QueryError(ValueError):
    """The text holds nothing that can be searched for."""


def terms(text: str) -> list[tuple[str, bool]]:
    """The words of `text` as (word, is_prefix), stop words dropped when others remain."""
    found = [(m.group(1).lower(), bool(m.group(2))) for m in _WORD.finditer(text)]
    kept = [t for t in found if t[0] not in STOP_WORDS]
    unique = list(dict.fromkeys(kept or found))
    return unique[:MAX_TERMS]


def fts_query(text: str) -> str:
    """An FTS5 MATCH expression for `text`; raises QueryError when there is nothing to search."""
    if not text.strip():
        raise QueryError("query is empty; give a few keywords, e.g. 'password reset'")
    words = terms(text)
    if not words:
        raise QueryError(f"query {text!r} has no words to search for; give a few keywords, e.g. 'password reset'")
    return " OR ".join(f'"{word}"' + ("*" if prefix else "") for word, prefix in words)
