"""Argument matching (DESIGN.md, BFCL-like), shared by checks, metrics and trace generation.

Strings compare after folding (case, whitespace, quotes, trailing sentence
punctuation), numbers numerically (3 == 3.0, but never a bool), `{"$any":
[...]}` matches any alternative and `{"$optional": v}` may be omitted. A call
must carry every expected argument; arguments the expected call does not list
are allowed only if the tool's schema declares them. This module knows
nothing of tasks, episodes or servers.
"""

from __future__ import annotations

import re
from numbers import Number
from typing import Any

ANY, OPTIONAL = "$any", "$optional"
_SPACE_AND_QUOTES = re.compile(r"[\s\"'`‘’“”]+")


def fold(text: str) -> str:
    """Case-folded text without whitespace, quotes, or trailing sentence punctuation."""
    return _SPACE_AND_QUOTES.sub("", text.casefold()).rstrip(".!?;,")


def is_optional(expected: Any) -> bool:
    return isinstance(expected, dict) and set(expected) == {OPTIONAL}


def _number(value: Any) -> bool:
    return isinstance(value, Number) and not isinstance(value, bool)


def values_match(expected: Any, actual: Any) -> bool:
    """Whether `actual` satisfies `expected` under the matching rules."""
    if isinstance(expected, dict) and set(expected) == {ANY}:
        return any(values_match(option, actual) for option in expected[ANY])
    if is_optional(expected):
        return values_match(expected[OPTIONAL], actual)
    if _number(expected) and _number(actual):
        return abs(float(expected) - float(actual)) <= 1e-9 * max(1.0, abs(float(expected)))
    if isinstance(expected, str) and isinstance(actual, str):
        return fold(expected) == fold(actual)
    if isinstance(expected, dict) and isinstance(actual, dict):
        return not argument_problems(expected, actual, None)
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(map(values_match, expected, actual))
    return expected == actual and type(expected) is type(actual)


def argument_problems(expected: dict[str, Any], actual: dict[str, Any], schema: dict[str, Any] | None) -> list[str]:
    """What keeps `actual` from matching `expected` (empty when it matches)."""
    problems = []
    for key, want in expected.items():
        if key not in actual:
            if not is_optional(want):
                problems.append(f"missing argument {key!r}")
        elif not values_match(want, actual[key]):
            problems.append(f"argument {key!r} is {actual[key]!r}, expected {plain(want)!r}")
    declared = set((schema or {}).get("properties", {}))
    for key in actual.keys() - expected.keys():
        if schema is None or key not in declared:
            problems.append(f"unexpected argument {key!r}")
    return problems


def call_problems(
    expected_name: str, expected_args: dict[str, Any], name: str, args: dict[str, Any], schema: dict[str, Any] | None
) -> list[str]:
    """Problems of one call against one expected call (tool name first)."""
    if name != expected_name:
        return [f"called {name}, expected {expected_name}"]
    return argument_problems(expected_args, args, schema)


def plain(value: Any) -> Any:
    """A concrete value for a possibly-marked expectation: first `$any` alternative, `$optional`'s value."""
    if isinstance(value, dict) and set(value) == {ANY}:
        return plain(value[ANY][0])
    if is_optional(value):
        return plain(value[OPTIONAL])
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
