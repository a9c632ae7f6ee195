"""The snippet shown for one search hit, computed on bounded passages so its cost cannot grow with the document.

FTS5's snippet() scores a window at every match against every other match: its
time grows with the square of a document's matches (a 1 MB document of one
repeated word took minutes). So the index only ranks; the snippet is found in
a private in-memory FTS5 table, with the same tokenizer, holding the
document's first `SCAN_CHARS` characters as overlapping passages of
`PASSAGE_CHARS`: FTS5 picks the best passage, then the best window inside it.
A body passage is preferred; else the title or tags; else (every match lies
past `SCAN_CHARS`) the document's opening words. This module knows FTS5 and
text; it does not know the store's tables.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing

TOKENIZE = "porter unicode61 remove_diacritics 2"
# Private marker characters: turned into [ ] once the snippet is chosen.
HIT_OPEN, HIT_CLOSE = "\x02", "\x03"
ELLIPSIS = "…"
SNIPPET_TOKENS = 16
SCAN_CHARS = 256_000
PASSAGE_CHARS = 1000
OVERLAP_CHARS = 200

_SPACE = re.compile(r"\s")
_LAST_SPACE = re.compile(r"\s\S*\Z")
_SETUP = f"CREATE VIRTUAL TABLE passages USING fts5(title, text, tags, tokenize='{TOKENIZE}')"
_BEST = f"""
SELECT rowid, snippet(passages, -1, '{HIT_OPEN}', '{HIT_CLOSE}', '{ELLIPSIS}', {SNIPPET_TOKENS})
FROM passages WHERE passages MATCH ? ORDER BY rank LIMIT 1
"""


def passages(text: str) -> list[str]:
    """`text`'s first SCAN_CHARS characters as passages of at most PASSAGE_CHARS, overlapping by about
    OVERLAP_CHARS so a window across a boundary is whole in one of them, cut at whitespace where there is some."""
    text = text[:SCAN_CHARS]
    out, start = [], 0
    while True:
        end = min(start + PASSAGE_CHARS, len(text))
        space = _LAST_SPACE.search(text, start + PASSAGE_CHARS // 2, end) if end < len(text) else None
        end = space.start() if space else end
        out.append(text[start:end])
        if end >= len(text):
            return out
        overlap = _SPACE.search(text, end - OVERLAP_CHARS, end)
        start = overlap.end() if overlap else end


def snippet(match: str, title: str, text: str, tags: str) -> str:
    """About SNIPPET_TOKENS words of the hit around its best match, matched words in [brackets]."""
    chunks = passages(text)
    with closing(sqlite3.connect(":memory:")) as conn:
        conn.execute(_SETUP)
        rows = [(None, chunk, None) for chunk in chunks] + [(title, None, None), (None, None, tags)]
        conn.executemany("INSERT INTO passages (title, text, tags) VALUES (?, ?, ?)", rows)
        best = conn.execute(_BEST, (f"text : ({match})",)).fetchone()
        if best is None:
            best = conn.execute(_BEST, (f"{{title tags}} : ({match})",)).fetchone()
    if best is None:
        return _opening(text)
    rowid, found = best
    if rowid <= len(chunks):  # a body passage: say when it does not reach the text's start or end
        found = _ellipses(found, first=rowid == 1, last=rowid == len(chunks) and len(text) <= SCAN_CHARS)
    return _marked(found)


def _ellipses(found: str, first: bool, last: bool) -> str:
    if not first and not found.startswith(ELLIPSIS):
        found = ELLIPSIS + found
    if not last and not found.endswith(ELLIPSIS):
        found += ELLIPSIS
    return found


def _opening(text: str) -> str:
    words = text[:PASSAGE_CHARS].split()
    shown = " ".join(words[:SNIPPET_TOKENS])
    return shown + ELLIPSIS if len(words) > SNIPPET_TOKENS or len(text) > PASSAGE_CHARS else shown


def _marked(found: str) -> str:
    return " ".join(found.split()).replace(HIT_OPEN, "[").replace(HIT_CLOSE, "]")
