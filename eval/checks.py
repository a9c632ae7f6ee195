"""Task checks: each decides one aspect of completion after an episode.

Checks read the final answer, the calls the model made, and (for `state`)
the servers after the episode through the toolbox. This module knows nothing
of backends or of how the episode ran.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Protocol

from eval.matching import argument_problems
from eval.tasks import AnswerContains, AnswerRegex, Called, Check, NotCalled, NoToolCalls, StateCheck


@dataclass
class CallRecord:
    """One tool call the model made, as dispatched (arguments None when they did not parse)."""

    name: str
    arguments: dict[str, Any] | None
    is_error: bool = False
    result: str = ""


@dataclass
class CheckResult:
    check: Check
    passed: bool
    detail: str = ""

    def describe(self) -> str:
        """One line: the check's type and, when failed, why."""
        return f"{self.check.type}: {self.detail}" if self.detail else self.check.type


class StateReader(Protocol):
    async def call(self, name: str, arguments: str, progress: Any = None) -> Any: ...


@dataclass
class Outcome:
    """What the checks look at: the final answer, the calls made, the tools' schemas by name."""

    answer: str
    calls: list[CallRecord]
    schemas: dict[str, dict[str, Any]]


async def run_checks(checks: list[Check], outcome: Outcome, toolbox: StateReader) -> list[CheckResult]:
    """Evaluate every check (state checks call the toolbox, in order)."""
    return [await _run(check, outcome, toolbox) for check in checks]


async def _run(check: Check, outcome: Outcome, toolbox: StateReader) -> CheckResult:
    if isinstance(check, StateCheck):
        return await _state(check, toolbox)
    if isinstance(check, Called):
        return _called(check, outcome)
    answer, calls = outcome.answer, outcome.calls
    passed, detail = _pure(check, answer, calls)
    return CheckResult(check, passed, "" if passed else detail)


def _pure(check: Check, answer: str, calls: list[CallRecord]) -> tuple[bool, str]:
    names = [c.name for c in calls]
    if isinstance(check, AnswerContains):
        return check.value.casefold() in answer.casefold(), f"answer lacks {check.value!r}"
    if isinstance(check, AnswerRegex):
        return re.search(check.pattern, answer) is not None, f"answer does not match /{check.pattern}/"
    if isinstance(check, NoToolCalls):
        return not calls, f"called {', '.join(names)}"
    if isinstance(check, NotCalled):
        return check.tool not in names, f"{check.tool} was called"
    raise TypeError(f"unknown check {check!r}")


def _called(check: Called, outcome: Outcome) -> CheckResult:
    mine = [c for c in outcome.calls if c.name == check.tool]
    if not mine:
        return CheckResult(check, False, f"{check.tool} was not called")
    if check.arguments is None:
        return CheckResult(check, True)
    schema = outcome.schemas.get(check.tool)
    problems = [argument_problems(check.arguments, c.arguments or {}, schema) for c in mine]
    best = min(problems, key=len)
    return CheckResult(check, not best, "; ".join(best))


async def _state(check: StateCheck, toolbox: StateReader) -> CheckResult:
    outcome = await toolbox.call(check.tool, json.dumps(check.arguments))
    text = outcome.text
    if outcome.is_error:
        return CheckResult(check, False, f"{check.tool} failed: {_clip(text)}")
    if check.contains is not None:
        ok = check.contains.casefold() in text.casefold()
        return CheckResult(check, ok, "" if ok else f"{check.tool} result lacks {check.contains!r}: {_clip(text)}")
    ok = text.strip() == (check.equals or "").strip()
    return CheckResult(check, ok, "" if ok else f"{check.tool} result is {_clip(text)!r}, not {check.equals!r}")


def _clip(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
