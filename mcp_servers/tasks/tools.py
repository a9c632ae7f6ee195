"""The tasks server's MCP tools: add_task, list_tasks, complete_task, update_task, delete_task.

Each tool checks its arguments (`fields.py`), calls the store and returns
`result(text, data)` with the task lines of `render.py` and the same tasks as
structuredContent. An unknown id is a ToolError naming the id. Completing a
task that is already done is not an error: it changes nothing and says so
(`already_done: true`). In `update_task`, an omitted (None) field stays as it
is and `due=""` clears the due date. This module knows the tool contract; it
does not know SQL.
"""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult
from pydantic import Field

from mcp_servers._common import ADDITIVE, DESTRUCTIVE, READ_ONLY, ToolError, clean_tags, clean_title, result
from mcp_servers.tasks.fields import clean_due
from mcp_servers.tasks.render import list_text, task_line
from mcp_servers.tasks.store import Task, TaskStore

Priority = Literal["low", "normal", "high"]
TaskId = Annotated[int, Field(description="Task id from list_tasks")]


def _unknown(task_id: int) -> ToolError:
    return ToolError(f"no task with id {task_id}; use list_tasks to see task ids")


def _existing(tasks: TaskStore, task_id: int) -> Task:
    task = tasks.get(task_id)
    if task is None:
        raise _unknown(task_id)
    return task


def update_changes(title: str | None, due: str | None, priority: str | None) -> dict[str, str | None]:
    """The columns to set: None means unchanged, an empty due clears the date."""
    changes: dict[str, str | None] = {}
    if title is not None:
        changes["title"] = clean_title(title)
    if due is not None:
        changes["due"] = clean_due(due) if due.strip() else None
    if priority is not None:
        changes["priority"] = priority
    if not changes:
        raise ToolError("nothing to update; give title, due or priority")
    return changes


def _describe(changes: dict[str, str | None]) -> str:
    return ", ".join(f"{key} {value}" if value else f"{key} cleared" for key, value in changes.items())


def register(server: MCPServer, tasks: TaskStore) -> None:
    """Add the five task tools, bound to `tasks`, to `server`."""

    @server.tool(name="add_task", description="Add a to-do task. Returns the task with its id.", annotations=ADDITIVE)
    def add_task(
        title: Annotated[str, Field(description="What to do")],
        due: Annotated[str | None, Field(description="Due date YYYY-MM-DD")] = None,
        priority: Priority = "normal",
        tags: Annotated[list[str], Field(description="Optional labels")] = [],  # noqa: B006 - never mutated
    ) -> CallToolResult:
        due_date = clean_due(due) if due is not None else None
        task = tasks.add(clean_title(title), due_date, priority, clean_tags(tags))
        return result(f"Added task {task_line(task)}", {"task": task.as_dict()})

    @server.tool(
        name="list_tasks",
        description="List tasks, one per line: id, title, due date, priority, status, tags.",
        annotations=READ_ONLY,
    )
    def list_tasks(
        status: Literal["open", "done", "all"] = "open",
        tag: Annotated[str | None, Field(description="Only tasks with this tag")] = None,
    ) -> CallToolResult:
        wanted = next(iter(clean_tags([tag])), None) if tag is not None else None
        found = tasks.list(status, wanted)
        return result(list_text(found, status, wanted), {"tasks": [t.as_dict() for t in found]})

    @server.tool(
        name="complete_task",
        description="Mark a task done by id (a task already done is left as it is).",
        annotations=DESTRUCTIVE,
    )
    def complete_task(task_id: TaskId) -> CallToolResult:
        task = _existing(tasks, task_id)
        if task.status == "done":
            text = f"Task {task_id} was already done; nothing changed: {task_line(task)}"
            return result(text, {"task": task.as_dict(), "already_done": True})
        done = tasks.complete(task_id)
        if done is None:  # deleted by someone else in between
            raise _unknown(task_id)
        return result(f"Completed task {task_line(done)}", {"task": done.as_dict(), "already_done": False})

    @server.tool(
        name="update_task",
        description="Change a task's title, due date or priority; omitted fields stay unchanged.",
        annotations=DESTRUCTIVE,
    )
    def update_task(
        task_id: TaskId,
        title: Annotated[str | None, Field(description="New title")] = None,
        due: Annotated[str | None, Field(description="New due date YYYY-MM-DD; empty string clears it")] = None,
        priority: Priority | None = None,
    ) -> CallToolResult:
        changes = update_changes(title, due, priority)
        task = tasks.update(task_id, changes)
        if task is None:
            raise _unknown(task_id)
        text = f"Updated task {task_id} ({_describe(changes)}): {task_line(task)}"
        return result(text, {"task": task.as_dict(), "changed": list(changes)})

    @server.tool(name="delete_task", description="Delete a task by id.", annotations=DESTRUCTIVE)
    def delete_task(task_id: TaskId) -> CallToolResult:
        task = tasks.delete(task_id)
        if task is None:
            raise _unknown(task_id)
        return result(f"Deleted task {task_line(task)}", {"deleted": task.as_dict()})
