"""The `tasks` server: a to-do list in SQLite.

Tools: `add_task(title, due=None, priority="normal", tags=[])`,
`list_tasks(status="open", tag=None)`, `complete_task(task_id)`,
`update_task(task_id, title=None, due=None, priority=None)`,
`delete_task(task_id)`. Tasks live in `--db PATH` (default: `tasks.db` in the
state dir). Task ids are integers that never change or get reused; dates are
ISO YYYY-MM-DD.
"""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from mcp_servers._common import add_db_option, open_db, server_parser
from mcp_servers.tasks.store import TaskStore
from mcp_servers.tasks.tools import register

NAME = "tasks"
INSTRUCTIONS = (
    "A to-do list. Task ids are integers shown by list_tasks; due dates are YYYY-MM-DD; "
    "priority is low, normal or high."
)


def build(argv: list[str]) -> MCPServer:
    """A fresh tasks server bound to the database named in `argv`."""
    parser = server_parser(NAME, "A to-do list with due dates, priorities and tags (SQLite).")
    add_db_option(parser, f"{NAME}.db", "tasks")
    args = parser.parse_args(argv)
    tasks = open_db(parser, args, f"{NAME}.db", TaskStore)
    server = MCPServer(NAME, instructions=INSTRUCTIONS)
    register(server, tasks)
    return server
