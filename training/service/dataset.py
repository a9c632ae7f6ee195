"""Checking an uploaded fine-tuning file: OpenAI chat JSONL (with or without `tools`) or looptune traces.

Each line is brought to the trace shape `looptune train` reads (a missing
`tools` becomes `[]`, `parallel_tool_calls` is dropped, an assistant turn's
`weight: 1` is dropped) and then judged by `training.traces.validate`, the
same checks `looptune traces validate` runs: JSON, `messages`, roles and
order, tool calls naming listed tools with arguments that fit, an assistant
answer at the end. What looptune cannot train as written (`weight: 0`, the
legacy `functions` format) is reported, never silently changed. It knows
nothing of HTTP or of where files are kept.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from training.traces.validate import kind_of, parse_line

SHOWN = 50  # line problems written into a file's status_details; the counts cover all of them


@dataclass
class Verdict:
    lines: int = 0  # non-blank lines
    records: list[dict[str, Any]] = field(default_factory=list)  # the valid lines, in trace shape
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)

    @property
    def ok(self) -> bool:
        return self.lines > 0 and not self.problems

    def details(self) -> str:
        """Counts, then `line N: reason` for the first problems: what a person needs to fix the file."""
        if self.lines == 0:
            return "the file has no examples (no non-blank lines)"
        invalid = len({line for line, _ in self.problems})
        kinds = Counter(kind_of(problem) for _, problem in self.problems)
        head = f"{self.lines} lines: {self.lines - invalid} valid, {invalid} invalid"
        head += f" ({', '.join(f'{kind} {n}' for kind, n in kinds.most_common())})" if kinds else ""
        shown = [f"line {line}: {problem}" for line, problem in self.problems[:SHOWN]]
        more = len(self.problems) - SHOWN
        return "\n".join([head, *shown] + ([f"... and {more} more problems"] if more > 0 else []))


def check(data: bytes) -> Verdict:
    """The verdict on a whole upload; lines end at LF only, numbered as an editor numbers them."""
    verdict = Verdict()
    for number, raw in enumerate(data.split(b"\n"), 1):
        if not raw.strip():
            continue
        verdict.lines += 1
        record, problems = check_line(raw)
        verdict.problems += [(number, problem) for problem in problems]
        if not problems and record is not None:
            verdict.records.append(record)
    return verdict


def check_line(raw: bytes) -> tuple[dict[str, Any] | None, list[str]]:
    """(the line in trace shape, its problems)."""
    try:
        parsed = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None, parse_line(raw)[1]  # its own sentence for text that is not JSON
    record, problems = normalized(parsed)
    if problems:
        return None, problems
    record, problems = parse_line(json.dumps(record, ensure_ascii=False))
    return (record if not problems else None), problems


def normalized(record: Any) -> tuple[Any, list[str]]:
    """An OpenAI chat example in the trace shape, or the problems that keep it from being one."""
    if not isinstance(record, dict):
        return record, []  # the trace checks say why
    if "functions" in record or "function_call" in record:
        return record, ["the legacy 'functions' format is not supported: list them under 'tools'"]
    record = {key: value for key, value in record.items() if key != "parallel_tool_calls"}
    record.setdefault("tools", [])
    messages = record.get("messages")
    if not isinstance(messages, list):
        return record, []
    problems, cleaned = [], []
    for i, message in enumerate(messages):
        if isinstance(message, dict) and "weight" in message:
            if message["weight"] not in (0, 1) or message.get("role") != "assistant":
                problems.append(f"messages[{i}]: weight must be 0 or 1, on assistant messages only")
            elif message["weight"] == 0:
                problems.append(f"messages[{i}]: weight 0 is not supported (looptune trains every assistant turn)")
            message = {key: value for key, value in message.items() if key != "weight"}
        cleaned.append(message)
    return {**record, "messages": cleaned}, problems
