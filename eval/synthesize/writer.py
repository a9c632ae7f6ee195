"""Kept calls as Task records: the request, the verified call, a reference answer and the checks.

Every task checks that the tool was `called` with the arguments. When the
result is deterministic (the same text on two fresh instances), the task also
checks that the answer contains a short stable piece of it, and the reference
answer (what the oracle says, and what a trace teaches) quotes the result.
This module knows nothing of how calls were checked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from agent.messages import UserMessage
from eval.tasks import AnswerContains, Called, Task, ToolUse

MAX_ANSWER_CHARS = 300
MAX_PIECE_CHARS = 40


@dataclass
class Kept:
    """One call that passed the checks, with the words that ask for it."""

    tool: str
    arguments: dict[str, Any]
    request: str
    result: str
    deterministic: bool
    frame: str


def reference_answer(result: str) -> str:
    """The result's first lines, trimmed: what the oracle answers after the call."""
    lines = [line.strip() for line in result.strip().splitlines() if line.strip()]
    text = " ".join(lines)
    return text if len(text) <= MAX_ANSWER_CHARS else text[: MAX_ANSWER_CHARS - 1].rstrip() + "…"


def stable_piece(result: str, arguments: dict[str, Any] | None = None, today: date | None = None) -> str | None:
    """A short, informative piece of the result (a JSON leaf value, or a result line's tail).

    Echoed argument values say nothing about the call's work, and a piece naming
    today's date or weekday would differ tomorrow, so neither is chosen.
    """
    today = today or date.today()
    dull = {str(v).casefold() for v in _leaves(arguments or {})}
    dull |= {today.isoformat(), today.strftime("%A").casefold()}
    try:
        leaves = [v for v in _leaves(json.loads(result)) if len(v) >= 2]
    except (json.JSONDecodeError, TypeError):
        leaves = []
    lines = [line.strip() for line in result.strip().splitlines() if line.strip()]
    candidates = leaves or [piece for line in lines for piece in (_tail(line), line, _head(line), *_fragments(line))]
    for piece in candidates:
        piece = piece.strip()
        # A piece that repeats an argument back proves less than one the call worked out.
        echoed = not _fragments(piece) or any(part.casefold() in dull for part in _fragments(piece))
        if echoed or _near_today(piece, today):
            continue
        if 2 <= len(piece) <= MAX_PIECE_CHARS and re.search(r"\w", piece):
            return piece
    return None


def _head(line: str) -> str:
    """What a result line says before its first colon ("Added task id 1: pay rent" -> "Added task id 1")."""
    return line.split(": ", 1)[0]


def _fragments(text: str) -> list[str]:
    """The separated parts of a long result line (commas, bars, brackets)."""
    return [part for part in re.split(r"\s*[,;|()]\s*|: ", text) if part]


def _near_today(piece: str, today: date) -> bool:
    """Whether the piece names a date within a day of today (a clock's answer, which changes daily)."""
    for found in re.findall(r"\d{4}-\d{2}-\d{2}", piece):
        try:
            if abs((date.fromisoformat(found) - today).days) <= 1:
                return True
        except ValueError:
            continue
    return False


def _leaves(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    if isinstance(value, bool) or value is None:
        return []
    return [str(value)]


def _tail(line: str) -> str:
    """What a result line says after its label ("expression = 391" -> "391")."""
    for mark in (" = ", ": "):
        if mark in line:
            return line.rsplit(mark, 1)[1]
    return line


def to_task(server: str, index: int, kept: Kept, seed: int) -> Task:
    """The task for one kept call."""
    checks: list[Any] = [Called(type="called", tool=kept.tool, arguments=kept.arguments)]
    answer = reference_answer(kept.result)
    piece = stable_piece(kept.result, kept.arguments) if kept.deterministic else None
    if piece is not None and piece.casefold() in answer.casefold():
        checks.append(AnswerContains(type="answer_contains", value=piece))
    else:
        answer = f"Done: {answer}" if answer else "Done."
    return Task(
        id=f"{server}-synth-{index:04d}",
        category="single_tool",
        servers=[server],
        messages=[UserMessage(content=kept.request)],
        expected_calls=[ToolUse(name=kept.tool, arguments=kept.arguments)],
        reference_answer=answer,
        checks=checks,
        meta={"family": "synthesize", "template": kept.frame, "server": server, "seed": seed},
    )
