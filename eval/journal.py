"""Append-only JSONL output that survives a kill: whole lines or nothing, resumable by task id.

Each record is one `os.write` of a complete line on an O_APPEND descriptor,
so a killed writer leaves at most one torn last line, which `open_journal`
cuts off (and reports) before appending again. It knows records only as
JSON objects and finds each one's key with a function (by default the task
id at `meta.task_id` or `task_id`). Trace generation and eval runs both
journal through it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Key = Callable[[dict[str, Any]], str]


@dataclass
class Journal:
    """An open append-only JSONL file and the task ids already in it."""

    path: Path
    done: set[str] = field(default_factory=set)
    torn: int = 0  # bytes of a partial last line cut off when opening
    fd: int = -1
    key: Key | None = None

    def append(self, record: dict[str, Any]) -> None:
        """Write one record as one line, in one write, and flush it to the file."""
        line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        os.write(self.fd, line)
        self.done.add((self.key or task_id)(record))

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def task_id(record: dict[str, Any]) -> str:
    """The task a record belongs to."""
    meta = record.get("meta")
    return str((meta or {}).get("task_id") if isinstance(meta, dict) else record.get("task_id"))


def open_journal(path: Path, key: Key = task_id) -> Journal:
    """Open (creating) `path` for appending, after cutting a torn last line; collects done keys."""
    path.parent.mkdir(parents=True, exist_ok=True)
    journal = Journal(path, key=key)
    if path.exists():
        journal.torn = _cut_torn_tail(path)
        journal.done = {key(record) for record in read_records(path)}
    journal.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    return journal


def _cut_torn_tail(path: Path) -> int:
    data = path.read_bytes()
    keep = data.rfind(b"\n") + 1
    if keep < len(data):
        with open(path, "r+b") as handle:
            handle.truncate(keep)
    return len(data) - keep


def read_records(path: Path) -> list[dict[str, Any]]:
    """Every record in a journal file (a torn last line is left out); a bad line is a ValueError."""
    records = []
    with open(path, encoding="utf-8", newline="\n") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip() and line.endswith("\n"):
                records.append(_record(path, number, line))
    return records


def _record(path: Path, number: int, line: str) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}:{number}: not a JSON line ({exc.msg}); cannot resume into this file") from exc
    if not isinstance(record, dict):
        raise ValueError(f"{path}:{number}: not a JSON object; cannot resume into this file")
    return record
