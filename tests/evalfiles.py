"""Task files and `looptune eval` runs as a user makes them: the design example task, real generated tasks, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from eval.families import generate_tasks
from eval.tasks import write_tasks

TASK = {
    "id": "tasks-0042",
    "category": "single_tool",
    "servers": ["tasks"],
    "setup": [{"tool": "tasks__add_task", "arguments": {"title": "call mom"}}],
    "messages": [{"role": "user", "content": "Add 'buy milk' to my list for Friday"}],
    "now": "2026-11-22T09:00:00",
    "expected_calls": [{"name": "tasks__add_task", "arguments": {"title": "buy milk", "due": "2026-11-27"}}],
    "reference_answer": "Added 'buy milk', due Friday 2026-11-27.",
    "checks": [
        {"type": "state", "tool": "tasks__list_tasks", "arguments": {}, "contains": "buy milk"},
        {"type": "answer_contains", "value": "buy milk"},
    ],
}


def write_lines(path, *rows) -> None:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))


TIMEOUT_S = 120


def looptune(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agent.cli.main", *args], cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S
    )


def real_tasks(path: Path, n: int = 10) -> Path:
    write_tasks(path, generate_tasks(["single_tool", "no_tool", "multi_step"], "test", n, seed=7))
    return path
