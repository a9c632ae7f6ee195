"""Uploaded files: the bytes as sent, their validation, and the trace-shaped copy training reads.

A file lives at `<data dir>/files/<id>` (exactly what was uploaded, for
`/content`) and, when it validates, `<id>.train.jsonl` (the same examples
in the trace shape `looptune train` takes). Both are written through a temp
file and a rename. A path is only ever built from an id this module made
(`file-` and 24 hex digits), so no id a client sends can reach outside the
folder. It knows nothing of HTTP or jobs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from agent.errors import LooptuneError
from training.service import dataset
from training.service.records import FileRecord, new_id, now
from training.service.store import Store
from training.traces.validate import write_bytes_atomic

ID = re.compile(r"file-[0-9a-f]{24}")
PURPOSES = ("fine-tune",)  # what a client may upload; results files are written by the service itself
RESULTS = "fine-tune-results"


class FileError(LooptuneError):
    """An upload or file reference that cannot be used; `status` is the HTTP status it means."""

    def __init__(self, message: str, status: int = 400, param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.param = status, param


class Files:
    def __init__(self, store: Store, root: Path) -> None:
        self.store, self.root = store, root
        root.mkdir(parents=True, exist_ok=True)

    def upload(self, filename: str, purpose: str, data: bytes) -> FileRecord:
        """Keep the bytes and validate them; the record says processed, or error with every bad line."""
        if purpose not in PURPOSES:
            raise FileError(f"purpose must be one of {', '.join(PURPOSES)}, got {purpose!r}", param="purpose")
        record = FileRecord(new_id("file"), _clean_name(filename), purpose, len(data), now())
        write_bytes_atomic(self.raw_path(record.id), data)
        verdict = dataset.check(data)
        record.status, record.status_details = ("processed", None) if verdict.ok else ("error", verdict.details())
        record.examples = len(verdict.records)
        if verdict.ok:
            lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in verdict.records)
            write_bytes_atomic(self.train_path(record.id), lines.encode("utf-8"))
        self.store.put_file(record)
        return record

    def add_result(self, filename: str, data: bytes) -> FileRecord:
        """A file the service made (a job's metrics CSV), downloadable like an upload."""
        record = FileRecord(new_id("file"), filename, RESULTS, len(data), now(), status="processed")
        write_bytes_atomic(self.raw_path(record.id), data)
        self.store.put_file(record)
        return record

    def get(self, file_id: str, param: str = "file_id") -> FileRecord:
        record = self.store.file(file_id) if ID.fullmatch(file_id) else None
        if record is None:
            raise FileError(f"no such file: {file_id[:80]!r}", status=404, param=param)
        return record

    def content(self, file_id: str) -> bytes:
        record = self.get(file_id)
        try:
            return self.raw_path(record.id).read_bytes()
        except OSError as exc:
            raise FileError(f"{record.id}: its content is gone from the data dir ({exc.strerror})", 500) from exc

    def delete(self, file_id: str) -> None:
        record = self.get(file_id)
        self.store.delete_file(record.id)
        self.raw_path(record.id).unlink(missing_ok=True)
        self.train_path(record.id).unlink(missing_ok=True)

    def raw_path(self, file_id: str) -> Path:
        assert ID.fullmatch(file_id), file_id  # only ids this module made ever become paths
        return self.root / file_id

    def train_path(self, file_id: str) -> Path:
        return self.raw_path(file_id).with_name(f"{file_id}.train.jsonl")


def _clean_name(name: str) -> str:
    """The name a client gave, for display only: no folders, no control characters, at most 255 characters."""
    base = re.split(r"[\\/]", name)[-1]
    return "".join(ch for ch in base if ch.isprintable())[:255] or "upload.jsonl"
