"""The task JSONL format: strict parsing and a lossless round trip.

Broken task files: tests/faults/test_eval_corrupt_inputs.py.
"""

from __future__ import annotations

import json

from eval.tasks import StateCheck, load_tasks, parse_task, write_tasks
from tests.evalfiles import TASK


def test_the_design_example_task_parses_with_typed_checks():
    task = parse_task(json.dumps(TASK))
    assert isinstance(task.checks[0], StateCheck)
    assert task.messages[0].content.startswith("Add 'buy milk'")
    assert task.now.isoformat() == "2026-11-22T09:00:00"


def test_a_written_task_file_loads_back_identically(tmp_path):
    path = tmp_path / "tasks.jsonl"
    task = parse_task(json.dumps(TASK))
    assert write_tasks(path, [task, task.model_copy(update={"id": "t2"})]) == 2
    loaded = load_tasks(path)
    assert [t.id for t in loaded] == ["tasks-0042", "t2"]
    assert loaded[0] == task
