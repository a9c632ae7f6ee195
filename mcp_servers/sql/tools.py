"""The sql server's tools: list_tables, describe_table, query (read-only) and execute (writes).

Thin wrappers: they call `store.Database`, turn SqlError into ToolError and
format results with `render`. They know nothing of SQLite itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, ParamSpec, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult
from pydantic import Field

from mcp_servers._common import DESTRUCTIVE, READ_ONLY, ToolError, result
from mcp_servers.sql.render import describe_text, execute_text, rows_text, tables_text
from mcp_servers.sql.store import Database, SqlError

P = ParamSpec("P")
T = TypeVar("T")


def register(server: MCPServer, db: Database) -> None:
    """Add the SQL tools, bound to `db`, to `server`."""

    @server.tool(
        name="list_tables",
        description="List the tables (with row counts) and views of the SQLite database.",
        annotations=READ_ONLY,
    )
    def list_tables() -> CallToolResult:
        tables = _guard(db.tables)
        return result(tables_text(tables), {"tables": tables})

    @server.tool(
        name="describe_table",
        description="Show a table's columns (type, nullable, default, primary key), foreign keys and row count.",
        annotations=READ_ONLY,
    )
    def describe_table(table: Annotated[str, Field(description="table or view name")]) -> CallToolResult:
        info = _guard(db.describe, table)
        return result(describe_text(info), info)

    @server.tool(
        name="query",
        description=(
            f"Run ONE read-only SQL statement (SELECT, WITH, or a reading PRAGMA) and return up to {db.max_rows} "
            "rows as a table. Writes are refused: use execute for them."
        ),
        annotations=READ_ONLY,
    )
    def query(sql: Annotated[str, Field(description="e.g. SELECT name FROM items WHERE price > 10")]) -> CallToolResult:
        rows = _guard(db.query, sql)
        return result(rows_text(rows.columns, rows.rows, rows.row_count), rows.as_data())

    @server.tool(
        name="execute",
        description=(
            "Run SQL that changes the database (CREATE, INSERT, UPDATE, DELETE, DROP, ALTER...). Several statements "
            "separated by ';' run in one transaction: all succeed or none. Returns the rows changed."
        ),
        annotations=DESTRUCTIVE,
    )
    def execute(sql: Annotated[str, Field(description="one or more SQL statements")]) -> CallToolResult:
        outcome = _guard(db.execute, sql)
        return result(execute_text(outcome), outcome)


def _guard(call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    try:
        return call(*args, **kwargs)
    except SqlError as exc:
        raise ToolError(str(exc)) from None
