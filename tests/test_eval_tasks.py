"""The task JSONL format: strict parsing with file:line errors, and a lossless round trip."""

from __future__ import annotations

import json

import pytest

from eval.tasks import StateCheck, TaskError, load_tasks, parse_task, write_tasks

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


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("{not json", "tasks.jsonl:2: invalid JSON"),
        ("[1, 2]", "tasks.jsonl:2: a task must be a JSON object, got list"),
        ({**TASK, "id": "x", "colour": "red"}, "tasks.jsonl:2: colour: Extra inputs are not permitted"),
        ({**TASK, "id": "x", "category": "chitchat"}, "tasks.jsonl:2: category: Input should be"),
        ({**TASK, "id": "x", "checks": [{"type": "vibes"}]}, "tasks.jsonl:2: checks.0: Input tag 'vibes'"),
        (
            {**TASK, "id": "x", "checks": [{"type": "state", "tool": "t"}]},
            "tasks.jsonl:2: checks.0.state: Value error, a state check needs exactly one of",
        ),
        ({**TASK, "id": "x", "messages": []}, "tasks.jsonl:2: messages: List should have at least 1 item"),
        ({**TASK, "id": "x", "expected_calls": [{"name": "a", "args": {}}]}, "expected_calls.0.args: Extra inputs"),
    ],
)
def test_a_bad_line_is_refused_naming_file_line_and_field(tmp_path, row, message):
    path = tmp_path / "tasks.jsonl"
    write_lines(path, TASK, row)
    with pytest.raises(TaskError) as caught:
        load_tasks(path)
    assert message in str(caught.value)


def test_duplicate_task_ids_are_refused(tmp_path):
    path = tmp_path / "tasks.jsonl"
    write_lines(path, TASK, "", TASK)
    with pytest.raises(TaskError, match="duplicate task id 'tasks-0042'"):
        load_tasks(path)


def test_a_missing_file_is_one_clear_error(tmp_path):
    with pytest.raises(TaskError, match="nope.jsonl: cannot read tasks"):
        load_tasks(tmp_path / "nope.jsonl")
