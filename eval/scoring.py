"""Scoring one episode against its task's reference plan (`expected_calls`).

Completion is the checks' verdict (eval.checks); this module adds what the
plan says about the calls: was the tool selection right (same tools, same
order, nothing extra), were the arguments right (DESIGN.md matching rules),
which expected tool each call stands for (the confusion pairs), and which
calls were hallucinated (unknown tool, unparsable or schema-invalid
arguments). It knows nothing of servers, backends or how the episode ran.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from agent.hub.arguments import ArgumentError, validate_arguments
from eval.checks import CallRecord
from eval.matching import argument_problems
from eval.tasks import ToolUse

NONE = "none"  # the confusion label for "no tool" on either side


@dataclass
class CallScore:
    """One call the model made, with what makes it a hallucination (empty when it is not one)."""

    name: str
    is_error: bool
    hallucination: str = ""


@dataclass
class Score:
    selection_ok: bool | None  # None: the task states no plan, so there is nothing to score against
    params_checked: int = 0  # expected calls whose tool was called
    params_ok: int = 0  # ... and whose arguments matched
    param_problems: list[str] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)  # (expected tool, called tool), NONE for a gap
    calls: list[CallScore] = field(default_factory=list)


def score_episode(expected: list[ToolUse] | None, calls: list[CallRecord], schemas: dict[str, dict[str, Any]]) -> Score:
    """Selection, argument, confusion and hallucination figures of one episode (`expected` None: plan not stated)."""
    names = [c.name for c in calls]
    if expected is None:  # hallucinations need no plan; selection, arguments and the confusion pairs do
        return Score(selection_ok=None, calls=[CallScore(c.name, c.is_error, hallucination(c, schemas)) for c in calls])
    score = Score(selection_ok=names == [e.name for e in expected])
    _score_arguments(score, expected, calls, schemas)
    score.pairs = confusion_pairs([e.name for e in expected], names)
    score.calls = [CallScore(c.name, c.is_error, hallucination(c, schemas)) for c in calls]
    return score


def hallucination(call: CallRecord, schemas: dict[str, dict[str, Any]]) -> str:
    """Why `call` is a hallucinated call ("" when it is not): unknown tool, unparsable or invalid arguments.

    `schemas` are the tools the model was shown. With shortlisting, a mounted tool can be left off that
    list; a call to it that ran without error named a real tool with valid arguments, so it is no
    hallucination (the hub answers a tool that is not mounted with an error).
    """
    if call.name not in schemas:
        return "" if not call.is_error and call.arguments is not None else "unknown tool"
    if call.arguments is None:
        return "unparsable arguments"
    try:
        validate_arguments(call.arguments, schemas[call.name])
    except ArgumentError:
        return "schema-invalid arguments"
    return ""


def _score_arguments(
    score: Score, expected: list[ToolUse], calls: list[CallRecord], schemas: dict[str, dict[str, Any]]
) -> None:
    """Match each expected call to an unused call of the same tool, preferring one whose arguments fit."""
    used: set[int] = set()
    for want in expected:
        candidates = [i for i, c in enumerate(calls) if c.name == want.name and i not in used]
        if not candidates:
            continue
        problems = {
            i: argument_problems(want.arguments, calls[i].arguments or {}, schemas.get(want.name)) for i in candidates
        }
        best = next((i for i in candidates if not problems[i]), candidates[0])
        used.add(best)
        score.params_checked += 1
        if calls[best].arguments is None:
            score.param_problems.append(f"{want.name}: arguments did not parse")
        elif problems[best]:
            score.param_problems.append(f"{want.name}: {'; '.join(problems[best])}")
        else:
            score.params_ok += 1


def confusion_pairs(expected: list[str], called: list[str]) -> list[tuple[str, str]]:
    """Align expected and called tool sequences; gaps on either side are NONE, (NONE, NONE) for a right no-call."""
    if not expected and not called:
        return [(NONE, NONE)]
    pairs: list[tuple[str, str]] = []
    matcher = SequenceMatcher(a=expected, b=called, autojunk=False)
    for _op, a0, a1, b0, b1 in matcher.get_opcodes():
        left, right = expected[a0:a1], called[b0:b1]
        width = max(len(left), len(right))
        left, right = left + [NONE] * (width - len(left)), right + [NONE] * (width - len(right))
        pairs.extend(zip(left, right, strict=True))
    return pairs
