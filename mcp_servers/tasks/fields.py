"""Checking and normalizing the due dates a model gives the tasks tools.

A bad date raises ToolError with the expected format and an example. Titles
and tags are checked as in the knowledge server (`_common.clean_title`,
`_common.clean_tags`). This module knows nothing of storage or MCP results.
"""

from __future__ import annotations

import re
from datetime import date

from mcp_servers._common import ToolError

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


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
