"""A toy MCP server for task synthesis: dates, emails, enums, bounds, defaults, and a tool of each kind.

`book_table` is deterministic on a fresh instance and refuses parties over
six (so the execution check has something to reject); `new_ticket` answers
with a random id (so the determinism check has something to catch);
`cancel_booking` is annotated destructive (so it is skipped unless asked).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from mcp.server.mcpserver import MCPServer
from mcp_types import ToolAnnotations
from pydantic import Field

server = MCPServer("bookings")
BOOKINGS: list[str] = []


@server.tool(description="Book a table at a restaurant.", annotations=ToolAnnotations(destructive_hint=False))
def book_table(
    restaurant: Annotated[str, Field(description="Name of the restaurant")],
    day: Annotated[str, Field(description="Date of the booking", json_schema_extra={"format": "date"})],
    party_size: Annotated[int, Field(ge=1, le=10, description="How many people")],
    seating: Literal["indoor", "outdoor", "bar"] = "indoor",
    email: Annotated[
        str | None, Field(description="Where to send the confirmation", json_schema_extra={"format": "email"})
    ] = None,
) -> str:
    if party_size > 6:
        raise ValueError(f"parties over 6 need a phone call, not {party_size}")
    BOOKINGS.append(f"{restaurant} on {day}")
    confirmation = f" (confirmation to {email})" if email else ""
    return f"booking {len(BOOKINGS)}: {party_size} at {restaurant}, {seating}, on {day}{confirmation}"


@server.tool(description="Open a support ticket.", annotations=ToolAnnotations(destructive_hint=False))
def new_ticket(subject: Annotated[str, Field(description="What the ticket is about")]) -> str:
    return f"ticket {uuid.uuid4().hex[:8]} opened: {subject}"


@server.tool(description="Cancel a booking by number.", annotations=ToolAnnotations(destructive_hint=True))
def cancel_booking(booking: int) -> str:
    return f"booking {booking} cancelled"


if __name__ == "__main__":
    server.run()
