"""Task synthesis from tool schemas: sampling, wording, the examples file, and the bundled servers end to end."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest

from agent.hub.arguments import validate_arguments
from eval.oracle import oracle_backend
from eval.runner import run_episode
from eval.synthesize import ExamplesError, load_examples, synthesize
from eval.synthesize.execute import Target
from eval.synthesize.schema import Sampler
from eval.synthesize.speak import speak, verb_phrase
from eval.synthesize.writer import stable_piece

BOOKING = {
    "type": "object",
    "properties": {
        "restaurant": {"type": "string", "description": "Name of the restaurant"},
        "day": {"type": "string", "format": "date"},
        "party": {"type": "integer", "minimum": 2, "maximum": 6},
        "seating": {"type": "string", "enum": ["indoor", "outdoor"], "default": "indoor"},
        "email": {"anyOf": [{"type": "string", "format": "email"}, {"type": "null"}], "default": None},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "site": {"type": "string", "format": "uri"},
    },
    "required": ["restaurant", "day", "party"],
    "additionalProperties": False,
}


def test_sampled_arguments_validate_and_follow_enums_bounds_and_formats():
    seen_optional = set()
    for seed in range(60):
        args = Sampler(random.Random(seed)).arguments(BOOKING)
        validate_arguments(args, BOOKING)
        assert {"restaurant", "day", "party"} <= set(args)
        assert 2 <= args["party"] <= 6 and date.fromisoformat(args["day"])
        assert args.get("seating", "indoor") in ("indoor", "outdoor")
        assert "@" in args.get("email", "@") and args.get("site", "https://").startswith("https://")
        seen_optional |= set(args) - {"restaurant", "day", "party"}
    assert seen_optional == {"seating", "email", "tags", "site"}  # optional parameters appear, sometimes


def test_two_parameters_drawn_from_one_vocabulary_get_different_values():
    schema = {
        "properties": {
            "source_timezone": {"type": "string", "description": "Source IANA timezone name"},
            "target_timezone": {"type": "string", "description": "Target IANA timezone name"},
        },
        "required": ["source_timezone", "target_timezone"],
    }
    for seed in range(20):
        args = Sampler(random.Random(seed)).arguments(schema)
        assert args["source_timezone"] != args["target_timezone"] and "/" in args["source_timezone"]


def test_the_grammar_turns_a_description_into_requests_that_name_every_value_in_several_frames():
    assert verb_phrase("git_status", "Shows the working tree status") == "show the working tree status"
    assert verb_phrase("git_checkout", "Switches branches") == "switch branches"
    assert verb_phrase("evaluate", "Evaluate an expression exactly (1/3*3 = 1). Supports + -.") == (
        "evaluate an expression exactly"
    )
    assert verb_phrase("get_current_time", "") == "get current time"
    frames = set()
    for seed in range(40):
        text, frame = speak(
            "book_table", "Book a table.", {"restaurant": "Blue Lotus", "party": 4}, random.Random(seed)
        )
        assert "Blue Lotus" in text and "4" in text and "book a table" in text.lower()
        frames.add(frame)
    assert len(frames) >= 5


def _examples(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "examples.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        (
            "examples:\n  book_table:\n    - Book {restaurant} on {day} for {party}\n  nope:\n    - x\n",
            4,
            "nope",
            "no such tool",
        ),
        (
            "examples:\n  book_table:\n    - Book {restaurant} on {day} for {party}\n    - Book {venue}\n",
            4,
            "book_table.1",
            "{venue}",
        ),
        (
            "examples:\n  book_table:\n    - Book {restaurant} for {party}\n",
            3,
            "book_table.0",
            "required parameter {day}",
        ),
        ("examples:\n  book_table:\n    - 42\n", 3, "book_table.0", "string"),
        ("examples:\n  book_table: []\n", 2, "book_table", "at least 1"),
        ("example:\n  book_table: [x]\n", 1, "examples", "Field required"),
        ("examples:\n  book_table: [\n", 3, "", "invalid YAML"),
    ],
)
def test_a_bad_examples_file_is_reported_with_its_file_line_and_field(tmp_path, text, line, field, words):
    path = _examples(tmp_path, text)
    with pytest.raises(ExamplesError) as caught:
        load_examples(path, {"book_table": BOOKING})
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}:") and field in message and words in message


def test_examples_accept_bare_and_exposed_tool_names(tmp_path):
    path = _examples(tmp_path, "examples:\n  bookings__book_table: ['Table for {party} at {restaurant} on {day}']\n")
    assert load_examples(path, {"book_table": BOOKING}).for_tool("book_table") == [
        "Table for {party} at {restaurant} on {day}"
    ]


def test_the_stable_piece_is_the_work_of_the_call_not_an_echo_or_todays_date():
    today = date(2026, 12, 6)
    assert stable_piece("17 * 23 = 391", {"expression": "17 * 23"}, today) == "391"
    assert stable_piece("Added task id 1: pay rent | no due date", {"title": "pay rent"}, today) == "Added task id 1"
    clock = '{"timezone": "Asia/Tokyo", "datetime": "2026-12-07T03:00:00+09:00", "time_difference": "+9.0h"}'
    assert stable_piece(clock, {"timezone": "Asia/Tokyo"}, today) == "+9.0h"
    assert stable_piece("ok", {}, today) == "ok" and stable_piece("Asia/Tokyo", {"tz": "Asia/Tokyo"}, today) is None


@pytest.mark.anyio
async def test_calc_tasks_are_kept_only_when_they_execute_and_the_oracle_passes_every_one():
    result = await synthesize(Target("calc"), n=8, seed=3)
    assert len(result.tasks) == 8 and not result.skipped_tools
    assert {t.expected_calls[0].name for t in result.tasks} == {"calc__evaluate", "calc__convert_units"}
    assert sum(any(c.type == "answer_contains" for c in t.checks) for t in result.tasks) >= 6
    for task in result.tasks:
        assert task.checks[0].type == "called" and task.checks[0].arguments == task.expected_calls[0].arguments
        episode = await run_episode(task, oracle_backend(task))
        assert episode.passed, (task.id, episode.reason)


@pytest.mark.anyio
async def test_destructive_tools_are_skipped_unless_asked_and_failing_calls_are_rejected():
    plain = await synthesize(Target("tasks"), n=4, seed=0)
    assert {"tasks__delete_task", "tasks__update_task"} <= set(plain.skipped_tools)
    assert {t.expected_calls[0].name for t in plain.tasks} <= {"tasks__add_task", "tasks__list_tasks"}
    # With them allowed, calls naming a task id on a fresh (empty) server fail and are not kept.
    bold = await synthesize(Target("tasks"), n=6, seed=0, include_destructive=True)
    assert not bold.skipped_tools and bold.rejected["execution error"] >= 1
    assert all(t.expected_calls[0].name in ("tasks__add_task", "tasks__list_tasks") for t in bold.tasks)
