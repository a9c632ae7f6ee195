"""`traces validate`: every problem of a trace file as `file:line: reason`, and the valid lines alone.

Line-level checks are `checks.line_problems`; this module adds the token
limit (with a counter from `tokens`), counts problems by kind, and writes
the valid lines byte-for-byte to another file atomically. It knows nothing
of how traces were made.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from agent.fsutil import atomic_write_text
from training.traces.checks import line_problems
from training.traces.tokens import Counter as TokenCounter

KINDS = (
    ("not JSON", "not JSON"),
    ("must be a JSON object", "not an object"),
    ("top-level key", "extra top-level key"),
    ("tools[", "bad tool spec"),
    ("unknown tool", "unknown tool"),
    ("arguments", "bad arguments"),
    ("argument", "bad arguments"),
    ("empty assistant", "empty assistant turn"),
    ("tool_call id", "tool-call ids"),
    ("no tool message answering", "unanswered tool call"),
    ("no open tool call", "orphan tool message"),
    ("tokens >", "too long"),
    ("final answer", "no final answer"),
    ("role", "roles and order"),
    ("must", "roles and order"),
)


def kind_of(problem: str) -> str:
    """A short category for the summary."""
    return next((kind for needle, kind in KINDS if needle in problem), "other")


@dataclass
class Report:
    path: Path
    lines: int = 0
    valid: list[int] = field(default_factory=list)  # line numbers
    problems: list[tuple[int, str]] = field(default_factory=list)

    @property
    def invalid(self) -> int:
        return self.lines - len(self.valid)

    def kinds(self) -> Counter[str]:
        return Counter(kind_of(problem) for _, problem in self.problems)

    def messages(self) -> list[str]:
        """`file:line: reason` for every problem, in file order."""
        return [f"{self.path}:{line}: {problem}" for line, problem in self.problems]


def validate_file(path: Path, counter: TokenCounter | None = None, max_tokens: int = 4096) -> Report:
    """Check every non-blank line of `path`."""
    report = Report(path)
    for number, raw in enumerate(path.read_bytes().splitlines(), 1):
        if not raw.strip():
            continue
        report.lines += 1
        problems = _problems(raw, counter, max_tokens)
        report.problems += [(number, p) for p in problems]
        if not problems:
            report.valid.append(number)
    return report


def _problems(raw: bytes, counter: TokenCounter | None, max_tokens: int) -> list[str]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [f"not JSON: invalid UTF-8 at byte {exc.start}"]
    record, problems = line_problems(text)
    if problems or counter is None:
        return problems
    tokens = counter(record)
    return [f"{tokens} tokens > --max-tokens {max_tokens}"] if tokens > max_tokens else []


def write_valid(report: Report, out: Path) -> int:
    """Write the valid lines of the report's file to `out` (byte-identical, atomic); returns the count."""
    wanted = set(report.valid)
    lines = report.path.read_bytes().splitlines(keepends=True)
    kept = [line if line.endswith(b"\n") else line + b"\n" for n, line in enumerate(lines, 1) if n in wanted]
    atomic_write_text(out, b"".join(kept).decode("utf-8"))
    return len(kept)
