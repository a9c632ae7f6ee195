"""Broken eval inputs: a task file with a bad line, duplicate ids or no file; a run whose settings file is broken.

Each is refused with one line naming the file, the line and the field, before anything runs.
"""

from __future__ import annotations

import json

import pytest

from eval.tasks import TaskError, load_tasks
from tests.evalfiles import TASK, looptune, real_tasks, write_lines


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


def test_a_broken_task_file_is_refused_naming_its_line_and_no_run_is_started(tmp_path):
    tasks = real_tasks(tmp_path / "tasks.jsonl", n=2)
    tasks.write_text(tasks.read_text() + '{"id": "x"}\n')
    done = looptune("eval", str(tasks), "--backend", "oracle", "-o", "run", cwd=tmp_path)
    assert done.returncode == 2 and "tasks.jsonl:3" in done.stderr
    assert not (tmp_path / "run").exists()


def test_resuming_a_run_whose_settings_file_is_broken_names_the_file_and_field(tmp_path):
    tasks = real_tasks(tmp_path / "tasks.jsonl", n=2)
    assert looptune("eval", str(tasks), "--backend", "oracle", "-o", "run", cwd=tmp_path).returncode == 0
    settings = json.loads((tmp_path / "run" / "run.json").read_text())
    (tmp_path / "run" / "run.json").write_text(json.dumps({**settings, "trials": 0}))
    done = looptune("eval", str(tasks), "--backend", "oracle", "-o", "run", "--resume", cwd=tmp_path)
    assert done.returncode == 2 and "run/run.json: field trials:" in done.stderr
