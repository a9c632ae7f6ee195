"""`looptune tasks synthesize` beyond the bundle: mcp-server-time from PyPI and a toy server, through the CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from agent.registry import ServerConfig
from eval.oracle import oracle_backend
from eval.runner import EpisodeConfig, run_episode
from eval.synthesize import synthesize
from eval.synthesize.execute import Target
from eval.tasks import load_tasks
from tests.registryfile import run_cli

BOOKINGS = Path(__file__).parent / "servers" / "bookings.py"
TIME = ServerConfig(command=sys.executable, args=["-m", "mcp_server_time"])


@pytest.mark.anyio
async def test_third_party_time_server_tasks_check_conversions_by_their_result_and_the_clock_by_its_call():
    result = await synthesize(Target("time", TIME), n=3, seed=2)
    assert len(result.tasks) == 3
    for task in result.tasks:
        call = task.expected_calls[0]
        answers = [c.value for c in task.checks if c.type == "answer_contains"]
        if call.name == "time__get_current_time":
            assert answers == []  # the current time differs between the two fresh instances
        else:
            assert call.name == "time__convert_time" and answers
            assert answers[0] not in call.arguments.values()
        episode = await run_episode(task, oracle_backend(task), EpisodeConfig(servers={"time": TIME}))
        assert episode.passed, (task.id, episode.reason)


# ~20-25 s end to end: run with `pytest -m slow` (make test keeps CI under its 25-minute budget)
@pytest.mark.slow
def test_a_toy_server_added_with_mcp_add_gets_tasks_that_eval_and_traces_generate_accept(tmp_path):
    assert run_cli("mcp", "add", "bookings", "--", sys.executable, str(BOOKINGS)).returncode == 0
    examples = tmp_path / "examples.yaml"
    examples.write_text(
        "examples:\n"
        "  book_table:\n"
        "    - Book {restaurant} for {party_size} people on {day}\n"
        "    - Table for {party_size} at {restaurant} on {day}, {seating} please\n"
    )
    out = tmp_path / "bookings.jsonl"
    done = run_cli("tasks", "synthesize", "--server", "bookings", "--n", "3")
    assert done.returncode == 2 and "-o" in done.stderr  # the output file is required
    done = run_cli(
        "tasks",
        "synthesize",
        "--server",
        "bookings",
        "--n",
        "3",
        "--seed",
        "5",
        "--examples",
        str(examples),
        "-o",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert "kept" in done.stdout and "bookings__cancel_booking" in done.stdout  # destructive: skipped, and said so
    tasks = load_tasks(out)
    assert len(tasks) == 3 and all(t.servers == ["bookings"] for t in tasks)
    names = {t.expected_calls[0].name for t in tasks}
    assert "bookings__cancel_booking" not in names and "bookings__book_table" in names
    for task in tasks:
        if task.expected_calls[0].name == "bookings__new_ticket":  # a random ticket id: no answer check
            assert [c.type for c in task.checks] == ["called"]
        if task.meta["template"].startswith("examples:"):
            assert task.expected_calls[0].arguments["restaurant"] in task.messages[0].content

    run = tmp_path / "run"
    evaluated = run_cli("eval", str(out), "--backend", "oracle", "-o", str(run))
    assert evaluated.returncode == 0, evaluated.stderr
    report = json.loads((run / "report.json").read_text())
    assert report["settings"]["distractors"] == "all" and report["metrics"]["overall"]["completion"] == 1.0

    traces = tmp_path / "traces.jsonl"
    generated = run_cli("traces", "generate", "--tasks", str(out), "-o", str(traces))
    assert generated.returncode == 0, generated.stderr
    assert len(traces.read_text().splitlines()) == 3


def test_synthesize_names_what_is_wrong_with_the_server_or_the_examples_file(tmp_path):
    missing = run_cli("tasks", "synthesize", "--server", "nosuch", "-o", str(tmp_path / "x.jsonl"))
    assert missing.returncode == 2 and "--server nosuch" in missing.stderr and "calc" in missing.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("examples:\n  evaluate:\n    - What is {expr}?\n")
    done = run_cli("tasks", "synthesize", "--server", "calc", "--examples", str(bad), "-o", str(tmp_path / "x.jsonl"))
    assert done.returncode == 2 and f"{bad}:3: examples.evaluate.0: slot {{expr}}" in done.stderr
    assert not (tmp_path / "x.jsonl").exists()
