"""Argument matching (DESIGN.md): folding, numbers, $any, $optional, undeclared extras."""

from __future__ import annotations

import pytest

from eval.matching import argument_problems, call_problems, fold, plain, values_match

SCHEMA = {"properties": {"title": {}, "due": {}, "priority": {}}}


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        ("Buy milk.", "buy  milk"),
        ("notes/todo.txt", "'notes/todo.txt'"),
        ("12 * 7", "12*7"),
        (3, 3.0),
        (2.5, 2.5000000000001),
        ({"$any": ["km", "kilometers"]}, "Kilometers"),
        ({"$optional": "open"}, "OPEN"),
        (["a", "b"], ["A", "b"]),
        ({"x": {"y": 1}}, {"x": {"y": 1.0}}),
        (None, None),
    ],
)
def test_equivalent_values_match(expected, actual):
    assert values_match(expected, actual)


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        ("12*7", "12+7"),
        (1, True),
        (3, "3"),
        ("a", ["a"]),
        (["a", "b"], ["a"]),
        ({"$any": ["km", "kilometers"]}, "miles"),
        (None, "none"),
    ],
)
def test_different_values_do_not_match(expected, actual):
    assert not values_match(expected, actual)


def test_fold_drops_case_space_quotes_and_trailing_punctuation_only():
    assert fold(" 'Call Mom!' ") == "callmom"
    assert fold("a.b") == "a.b"


def test_missing_optional_arguments_are_fine_but_missing_required_ones_are_not():
    expected = {"title": "buy milk", "priority": {"$optional": "normal"}}
    assert argument_problems(expected, {"title": "Buy milk"}, SCHEMA) == []
    assert argument_problems(expected, {"priority": "normal"}, SCHEMA) == ["missing argument 'title'"]


def test_extra_arguments_pass_only_when_the_schema_declares_them():
    assert argument_problems({"title": "x"}, {"title": "x", "due": "2026-01-01"}, SCHEMA) == []
    assert argument_problems({"title": "x"}, {"title": "x", "colour": "red"}, SCHEMA) == [
        "unexpected argument 'colour'"
    ]


def test_a_wrong_tool_name_is_reported_before_any_argument():
    assert call_problems("tasks__add_task", {"title": "x"}, "tasks__delete_task", {}, SCHEMA) == [
        "called tasks__delete_task, expected tasks__add_task"
    ]


def test_plain_resolves_markers_to_what_the_oracle_sends():
    assert plain({"a": {"$any": ["km", "kilometers"]}, "b": {"$optional": [1]}}) == {"a": "km", "b": [1]}
