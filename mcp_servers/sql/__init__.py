"""The bundled `sql` server: a SQLite database to inspect, query read-only and change in transactions.

`build(argv)` returns a fresh server bound to its own database file: `--db PATH`,
else `sql.db` under `--state-dir` / `$LOOPTUNE_STATE_DIR` / the XDG data dir.
`--seed-sql FILE` runs that script once, when the file is first created. A file
that cannot be used (not SQLite, locked, a seed that fails) is a usage error at
start; a file that was there before is never changed or removed by that.
"""

from __future__ import annotations

from pathlib import Path

from mcp.server.mcpserver import MCPServer

from mcp_servers._common import add_db_option, open_db, server_parser
from mcp_servers.sql.store import Database
from mcp_servers.sql.tools import register

INSTRUCTIONS = (
    "A SQLite database. Start with list_tables and describe_table; read with query (one SELECT per call), "
    "change data with execute."
)


def build(argv: list[str]) -> MCPServer:
    """A fresh sql server bound to the database its arguments name (created, in WAL mode, if missing)."""
    parser = server_parser("sql", "A SQLite database: list, describe, query read-only, execute writes.")
    add_db_option(parser, "sql.db", "tables")
    parser.add_argument("--seed-sql", type=Path, help="SQL script run once, when the database is created")
    parser.add_argument("--time-limit", type=float, default=5.0, help="seconds a call may run (default: 5)")
    parser.add_argument("--max-rows", type=int, default=50, help="rows a query shows (default: 50)")
    args = parser.parse_args(argv)
    seed = None
    if args.seed_sql is not None:
        try:
            seed = args.seed_sql.read_text()
        except OSError as exc:
            parser.error(f"cannot read --seed-sql {args.seed_sql}: {exc.strerror}")

    def opener(path: Path) -> Database:
        db = Database(path, args.time_limit, args.max_rows)
        db.create(seed)
        return db

    db = open_db(parser, args, "sql.db", opener)
    server = MCPServer("sql", instructions=INSTRUCTIONS)
    register(server, db)
    return server
