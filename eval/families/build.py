"""Shorthands that families use to write expected calls and checks as task-JSONL dicts.

This module knows the task format's shapes and nothing of any server.
"""

from __future__ import annotations

from typing import Any

from eval.matching import ANY, OPTIONAL


def call(name: str, **arguments: Any) -> dict[str, Any]:
    """An expected call (or setup call: use `setup`)."""
    return {"name": name, "arguments": arguments}


def setup(tool: str, **arguments: Any) -> dict[str, Any]:
    """A hidden setup call."""
    return {"tool": tool, "arguments": arguments}


def any_of(*options: Any) -> dict[str, Any]:
    """An expected argument that matches any of `options` (the first is what the oracle sends)."""
    return {ANY: list(options)}


def optional(value: Any) -> dict[str, Any]:
    """An expected argument that may be omitted."""
    return {OPTIONAL: value}


def contains(value: Any) -> dict[str, Any]:
    return {"type": "answer_contains", "value": str(value)}


def regex(pattern: str) -> dict[str, Any]:
    return {"type": "answer_regex", "pattern": pattern}


def state(tool: str, arguments: dict[str, Any] | None = None, *, has: str | None = None, equals: str | None = None):
    """A check that calls `tool` after the episode and looks at its text."""
    check: dict[str, Any] = {"type": "state", "tool": tool, "arguments": arguments or {}}
    check.update({"contains": has} if has is not None else {"equals": equals})
    return check


def called(tool: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
    check: dict[str, Any] = {"type": "called", "tool": tool}
    if arguments is not None:
        check["arguments"] = arguments
    return check


def not_called(tool: str) -> dict[str, Any]:
    return {"type": "not_called", "tool": tool}


def no_calls() -> dict[str, Any]:
    return {"type": "no_tool_calls"}
