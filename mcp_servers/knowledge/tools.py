"""The knowledge server's MCP tools: search, read, add, delete.

Each tool checks its arguments, calls the store and returns `result(text,
data)`: compact text for the model and the same fields as structuredContent.
Search snippets mark matched words with [square brackets]. Failures are
ToolErrors that say what was wrong and what to do instead. This module knows
the tool contract; it does not know SQL or the files behind `--docs`.
"""

from __future__ import annotations

import sqlite3
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult
from pydantic import Field

from mcp_servers._common import ADDITIVE, DESTRUCTIVE, READ_ONLY, ToolError, clean_tags, clean_title, result
from mcp_servers.knowledge.query import QueryError, fts_query
from mcp_servers.knowledge.store import Document, DocumentStore, Hit, SearchTimeout

READ_LIMIT = 8000

DocId = Annotated[str, Field(description="Document id from search, e.g. doc-3")]


def _tag_note(tags: list[str]) -> str:
    return f" tags: {', '.join(tags)}" if tags else ""


def _unknown(doc_id: str) -> ToolError:
    return ToolError(f"no document {doc_id!r}; use search to find doc ids (they look like doc-3)")


def search_text(query: str, hits: list[Hit]) -> str:
    """Two lines per hit: id, title, score and tags, then the snippet."""
    if not hits:
        return f"No documents match {query!r}."
    lines = [f"{len(hits)} result{'s' if len(hits) != 1 else ''} for {query!r} (matches in [brackets]):"]
    for n, hit in enumerate(hits, 1):
        lines.append(f"{n}. {hit.doc_id} {hit.title!r} score {hit.score:g}{_tag_note(hit.tags)}")
        lines.append(f"   {hit.snippet}")
    return "\n".join(lines)


def read_result(doc: Document) -> CallToolResult:
    """A document's text, capped at READ_LIMIT characters with a note saying so."""
    body, total = doc.text[:READ_LIMIT], len(doc.text)
    head = f"{doc.doc_id} {doc.title!r}{_tag_note(doc.tags)}"
    note = f"\n[showing the first {READ_LIMIT:,} of {total:,} characters]" if total > READ_LIMIT else ""
    data: dict[str, Any] = {"doc_id": doc.doc_id, "title": doc.title, "tags": doc.tags, "text": body}
    data |= {"chars": total, "truncated": bool(note), "source": doc.source}
    return result(f"{head}\n\n{body}{note}", data)


def register(server: MCPServer, docs: DocumentStore) -> None:
    """Add the four knowledge tools, bound to `docs`, to `server`."""

    @server.tool(
        name="search",
        description="Search the documents by keywords. Returns the best matches (doc_id, title, snippet, score).",
        annotations=READ_ONLY,
    )
    def search(
        query: Annotated[str, Field(description="Keywords to look for")],
        k: Annotated[int, Field(ge=1, le=50, description="How many results")] = 5,
    ) -> CallToolResult:
        try:
            hits = docs.search(fts_query(query), k)
        except (QueryError, SearchTimeout) as exc:
            raise ToolError(str(exc)) from None
        except sqlite3.OperationalError as exc:  # defence in depth: fts_query should make this unreachable
            raise ToolError(f"cannot search for {query!r} ({exc}); use plain keywords") from None
        return result(search_text(query, hits), {"query": query, "results": [h.as_dict() for h in hits]})

    @server.tool(name="read", description="Read a whole document by its doc_id.", annotations=READ_ONLY)
    def read(doc_id: DocId) -> CallToolResult:
        doc = docs.get(doc_id)
        if doc is None:
            raise _unknown(doc_id)
        return read_result(doc)

    @server.tool(name="add", description="Add a document. Returns its new doc_id.", annotations=ADDITIVE)
    def add(
        title: Annotated[str, Field(description="Short title")],
        text: Annotated[str, Field(description="The document's content")],
        tags: Annotated[list[str], Field(description="Optional labels")] = [],  # noqa: B006 - never mutated
    ) -> CallToolResult:
        title = clean_title(title)
        if not text.strip():
            raise ToolError("text is empty; give the document's content")
        clean = clean_tags(tags)
        doc_id = docs.add(title, text, clean)
        return result(f"Added {doc_id} {title!r}{_tag_note(clean)}.", {"doc_id": doc_id, "title": title, "tags": clean})

    @server.tool(name="delete", description="Delete a document by its doc_id.", annotations=DESTRUCTIVE)
    def delete(doc_id: DocId) -> CallToolResult:
        doc = docs.delete(doc_id)
        if doc is None:
            raise _unknown(doc_id)
        return result(f"Deleted {doc.doc_id} {doc.title!r}.", {"deleted": doc.doc_id, "title": doc.title})
