"""Checking and normalizing the values a model gives the tasks tools: titles, due dates, tags.

Every check raises ToolError with the rule and, for dates, the expected
format and an example. This module knows nothing of storage or MCP results.
"""

from __future__ import annotations

import re
from datetime import date

from mcp_servers._common import ToolError

MAX_TITLE = 300
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def clean_title(title: str) -> str:
    """The title with whitespace collapsed; it must not be empty."""
    clean = " ".join(title.split())
    if not clean or len(clean) > MAX_TITLE:
        raise ToolError(f"title must be 1 to {MAX_TITLE} characters")
    return clean


def clean_due(due: str) -> str:
    """A valid ISO date YYYY-MM-DD, returned as given (stripped)."""
    text = due.strip()
    # fromisoformat alone also takes 20261127 and week dates; the contract is YYYY-MM-DD only.
    if not _ISO_DATE.fullmatch(text):
        raise ToolError(f"due must be an ISO date YYYY-MM-DD, e.g. 2026-11-27; got {due!r}")
    try:
        date.fromisoformat(text)
    except ValueError as exc:
        raise ToolError(f"due {due!r} is not a real date ({exc}); expected YYYY-MM-DD, e.g. 2026-11-27") from None
    return text


def clean_tags(tags: list[str]) -> list[str]:
    """Tags trimmed, lower-cased, split on commas and de-duplicated, in order."""
    out = []
    for raw in tags:
        out.extend(" ".join(part.split()).lower() for part in raw.split(","))
    return list(dict.fromkeys(t for t in out if t))
