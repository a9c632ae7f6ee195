"""The `knowledge` server: a document store with BM25 keyword retrieval (SQLite FTS5).

Tools: `search(query, k=5)`, `read(doc_id)`, `add(title, text, tags=[])`,
`delete(doc_id)`. Documents live in `--db PATH` (default: `knowledge.db` in
the state dir); `--docs DIR` indexes a folder's .md/.txt files at start,
incrementally, and the counts appear in the server's instructions and log.
Doc ids look like `doc-3` and never change or get reused for one database.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from mcp.server.mcpserver import MCPServer

from mcp_servers._common import add_db_option, open_db, server_parser
from mcp_servers.knowledge.folder import IndexReport, index_folder
from mcp_servers.knowledge.store import DocumentStore
from mcp_servers.knowledge.tools import register

log = logging.getLogger("looptune.knowledge")

NAME = "knowledge"
INSTRUCTIONS = (
    "A document store. Use search(query) to find documents by keywords, read(doc_id) for a whole document, "
    "add and delete to change the store."
)


def build(argv: list[str]) -> MCPServer:
    """A fresh knowledge server bound to the database (and docs folder) named in `argv`."""
    parser = server_parser(NAME, "A document store with keyword search (SQLite FTS5, BM25 ranking).")
    add_db_option(parser, f"{NAME}.db", "documents")
    parser.add_argument("--docs", type=Path, help="index this folder's .md/.txt files at start (incremental)")
    args = parser.parse_args(argv)
    docs, report = _open(parser, args)
    summary = f" {report.summary()}" if report else ""
    server = MCPServer(NAME, instructions=INSTRUCTIONS + summary)
    if report:  # after MCPServer(), which sets up logging to stderr
        log.info(report.summary())
    register(server, docs)
    return server


def _open(parser: argparse.ArgumentParser, args: argparse.Namespace) -> tuple[DocumentStore, IndexReport | None]:
    # A path that cannot be used is a usage error at start, not a failure of every later call.
    if args.docs is not None and not args.docs.is_dir():
        parser.error(f"--docs {args.docs}: not a folder")

    def opener(path: Path) -> tuple[DocumentStore, IndexReport | None]:
        docs = DocumentStore(path)
        return docs, index_folder(docs, args.docs) if args.docs is not None else None

    return open_db(parser, args, f"{NAME}.db", opener)
