"""Tasks as compact text: one line per task naming id, title, due, priority, status and tags.

A line reads `id 3: buy milk | due 2026-11-27 | priority high | open | tags: home, errands`
(`no due date` when undated; the tags part only when there are tags). This
module knows formatting only.
"""

from __future__ import annotations

from mcp_servers.tasks.store import Task


def task_line(task: Task) -> str:
    """One task on one line."""
    due = f"due {task.due}" if task.due else "no due date"
    parts = [f"id {task.id}: {task.title}", due, f"priority {task.priority}", task.status]
    if task.tags:
        parts.append(f"tags: {', '.join(task.tags)}")
    return " | ".join(parts)


def list_text(tasks: list[Task], status: str, tag: str | None) -> str:
    """A heading with the count and filter, then one line per task; says so when empty."""
    kind = "" if status == "all" else f"{status} "
    tagged = f" tagged {tag!r}" if tag else ""
    if not tasks:
        return f"No {kind}tasks{tagged}."
    plural = "" if len(tasks) == 1 else "s"
    lines = [f"{len(tasks)} {kind}task{plural}{tagged}:", *(task_line(t) for t in tasks)]
    return "\n".join(lines)
