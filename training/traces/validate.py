"""`traces validate`: every problem of a trace file as `file:line: reason`, and the valid lines alone.

`validate_line` is the whole verdict on one line: the format checks of
`checks`, then that the record loads as the wire types (`agent.messages.Trace`),
then the token limit when given a counter from `tokens`. `validate_file` runs
it over a file into a `Report`; `write_valid` copies the valid lines
byte-for-byte to another file atomically. It knows nothing of how traces were
made, of terminals, or of which tokenizer counts.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agent.messages import Trace
from training.traces.checks import line_problems, record_problems
from training.traces.tokens import Counter as TokenCounter

DEFAULT_MAX_TOKENS = 4096

KINDS = (
    ("not JSON", "not JSON"),
    ("a trace must be a JSON object", "not an object"),
    ("top-level key", "extra top-level key"),
    ("wire types", "wire types"),
    ("content must be", "wire types"),
    ("a message must be", "wire types"),
    ("tool_call_id must be", "wire types"),
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
    """A short category of a problem sentence, for the summary."""
    return next((kind for needle, kind in KINDS if needle in problem), "other")


@dataclass
class Report:
    """The verdict on a file: lines checked, the valid ones, every problem with its line number."""

    path: Path
    lines: int = 0  # non-blank lines checked
    valid: list[int] = field(default_factory=list)  # line numbers
    problems: list[tuple[int, str]] = field(default_factory=list)

    @property
    def invalid(self) -> int:
        return self.lines - len(self.valid)

    def kinds(self) -> Counter[str]:
        """Problems counted by kind."""
        return Counter(kind_of(problem) for _, problem in self.problems)

    def messages(self) -> list[str]:
        """`file:line: reason` for every problem, in file order."""
        return [f"{self.path}:{line}: {problem}" for line, problem in self.problems]

    def summary(self) -> str:
        """One line: how many lines, valid, invalid, and problems by kind."""
        kinds = ", ".join(f"{kind} {n}" for kind, n in self.kinds().most_common())
        text = f"{self.lines} lines: {len(self.valid)} valid, {self.invalid} invalid"
        return text + (f" ({kinds})" if kinds else "")


def validate_line(
    text: str | bytes, counter: TokenCounter | None = None, max_tokens: int = DEFAULT_MAX_TOKENS
) -> list[str]:
    """Every problem of one JSONL line (empty when it is valid); tokens are counted only with a counter."""
    return parse_line(text, counter, max_tokens)[1]


def parse_line(
    text: str | bytes, counter: TokenCounter | None = None, max_tokens: int = DEFAULT_MAX_TOKENS
) -> tuple[Any, list[str]]:
    """(parsed record or None, problems) of one JSONL line: `validate_line` keeping the record."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            return None, [f"not JSON: invalid UTF-8 at byte {exc.start}"]
    record, problems = _checked(text)
    if problems or counter is None:
        return record, problems
    tokens = counter(record)
    return record, [f"{tokens} tokens > --max-tokens {max_tokens}"] if tokens > max_tokens else []


def _checked(text: str) -> tuple[Any, list[str]]:
    try:
        record = json.loads(text)
    except ValueError:
        return line_problems(text)  # its sentence for text that is not JSON
    problems = unwalkable(record) or record_problems(record)
    return record, problems or wire_problems(record)


def unwalkable(record: Any) -> list[str]:
    """Message shapes too broken for the order checks to walk (a message not an object, an id not a string)."""
    messages = record.get("messages") if isinstance(record, dict) else None
    if not isinstance(messages, list):
        return []
    problems = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            problems.append(f"messages[{i}]: a message must be a JSON object, got {type(message).__name__}")
        elif "tool_call_id" in message and not isinstance(message["tool_call_id"], str):
            problems.append(f"messages[{i}]: tool_call_id must be a string")
    return problems


def wire_problems(record: Any) -> list[str]:
    """Where a record that passed the format checks still does not load as `agent.messages.Trace`."""
    try:
        Trace.model_validate(record)
    except ValidationError as exc:
        first: dict[str, str] = {}  # one sentence per field: each branch of a union reports the same field
        for error in exc.errors():
            path = _path(error["loc"])
            field_path = re.sub(r"\[\d+\]$", "", ".".join(path.split(".")[:2]))
            first.setdefault(field_path, _wire_sentence(path, field_path, error["msg"]))
        return list(first.values())
    return []


_TAGS = {"system", "developer", "user", "assistant", "tool", "str"}  # union tags and branch labels in pydantic locs


def _path(loc: tuple[Any, ...]) -> str:
    # ("messages", 0, "user", "content", "str") -> "messages[0].content"
    parts = [f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc if part not in _TAGS]
    return "".join(part for part in parts if "[" not in part[1:]).lstrip(".")


def _wire_sentence(path: str, field_path: str, message: str) -> str:
    if field_path.endswith(".content"):
        return f'{field_path}: content must be a string or a list of {{"type": "text", "text": ...}} parts'
    return f"{path}: does not fit the OpenAI wire types ({message})"


def validate_file(path: Path, counter: TokenCounter | None = None, max_tokens: int = DEFAULT_MAX_TOKENS) -> Report:
    """Check every non-blank line of `path` (a line ends at LF only, as in JSONL)."""
    report = Report(path)
    for number, raw in enumerate(_lines(path.read_bytes()), 1):
        if not raw.strip():
            continue
        report.lines += 1
        problems = validate_line(raw, counter, max_tokens)
        report.problems += [(number, p) for p in problems]
        if not problems:
            report.valid.append(number)
    return report


def _lines(data: bytes) -> list[bytes]:
    # Not bytes.splitlines: a lone \r is not a JSONL line break, and numbering must match editors.
    return data.split(b"\n")[: -1 if data.endswith(b"\n") else None]


def write_valid(report: Report, out: Path) -> int:
    """Write the valid lines of the report's file to `out` (byte-identical, atomic); returns how many."""
    wanted = set(report.valid)
    lines = _lines(report.path.read_bytes())
    kept = [line + b"\n" for number, line in enumerate(lines, 1) if number in wanted]
    write_bytes_atomic(out, b"".join(kept))
    return len(kept)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temp file in the same directory, then rename (bytes as given)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
