"""MCP tool results rendered as text a model can read, truncated to a budget."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import mcp_types as types

DEFAULT_RESULT_CHARS = 16_000


@dataclass
class ToolOutcome:
    """What one tool call produced, as the model will see it."""

    text: str
    is_error: bool = False
    structured: dict[str, Any] | None = None
    duration_s: float = 0.0
    truncated_from: int | None = None


def failure(reason: str) -> ToolOutcome:
    """An error outcome with a one-line reason."""
    return ToolOutcome(text=f"Error: {reason}", is_error=True)


def _block_text(block: Any) -> str:
    if isinstance(block, types.TextContent):
        return block.text
    if isinstance(block, types.ImageContent | types.AudioContent):
        return f"[{block.type}: {block.mime_type}, {len(block.data) * 3 // 4} bytes]"
    if isinstance(block, types.EmbeddedResource):
        resource = block.resource
        text = getattr(resource, "text", None)
        return text if text is not None else f"[resource {resource.uri}: {resource.mime_type or 'binary'}]"
    if isinstance(block, types.ResourceLink):
        return f"[resource link: {block.uri}]"
    return f"[{getattr(block, 'type', 'unknown')} content]"


def truncate(text: str, limit: int) -> tuple[str, int | None]:
    """Cut `text` to `limit` characters with a visible marker; returns (text, original length)."""
    if len(text) <= limit:
        return text, None
    marker = f"\n[truncated: showing {limit:,} of {len(text):,} characters]"
    return text[:limit] + marker, len(text)


def render_result(result: types.CallToolResult, limit: int = DEFAULT_RESULT_CHARS) -> ToolOutcome:
    """Turn a CallToolResult into a ToolOutcome, text joined and truncated."""
    parts = [_block_text(block) for block in result.content]
    text = "\n".join(p for p in parts if p)
    if not text and result.structured_content is not None:
        text = json.dumps(result.structured_content, ensure_ascii=False)
    text, original = truncate(text, limit)
    return ToolOutcome(
        text=text,
        is_error=bool(result.is_error),
        structured=result.structured_content,
        truncated_from=original,
    )
