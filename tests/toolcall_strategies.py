"""Hypothesis strategies shared by the tool-call tests: tool names, JSON values, calls and content."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st

from agent.toolcalls import ParsedCall
from agent.toolcalls.markers import HERMES_STOPS, HERMES_STRAYS
from agent.toolcalls.parsers import hermes

NAMES = st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3), max_leaves=8
)
CALLS = st.lists(st.builds(ParsedCall, NAMES, st.dictionaries(st.text(), VALUES, max_size=4)), max_size=3)


def content(format_ok: Callable[[str], bool]) -> st.SearchStrategy[str | None]:
    """Stripped, non-empty text the format can carry as content, or None."""
    return st.none() | st.text(min_size=1).map(str.strip).filter(lambda s: bool(s) and format_ok(s))


# Template markers are never content (markers.py): an answer holding one is cut or loses it.
HERMES_CONTENT = content(lambda s: not any(tag in s for tag in (hermes.OPEN, *HERMES_STOPS, *HERMES_STRAYS)))
