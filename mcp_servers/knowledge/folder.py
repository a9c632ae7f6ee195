"""Keep the store in step with a folder of .md/.txt files (`--docs DIR`), incrementally.

At start the folder is walked (recursively, hidden entries skipped): files the
index has not seen are added, files whose mtime or size changed are re-indexed
under the same doc_id, unchanged files are skipped without being read, and
documents whose file under this folder has gone are removed. Documents added
with the `add` tool (no source file) and files indexed from other folders are
left alone. This module knows files and titles; it does not know MCP.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from mcp_servers.knowledge import store

log = logging.getLogger("looptune.knowledge")

SUFFIXES = frozenset({".md", ".txt"})
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


@dataclass
class IndexReport:
    """What one pass over the folder did."""

    root: Path
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: int = 0

    def summary(self) -> str:
        return (
            f"Indexed {self.root}: {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.removed} removed, {self.skipped} unreadable."
        )


def title_of(path: Path, text: str) -> str:
    """The first markdown heading of a .md file, else the file name without its suffix."""
    if path.suffix.lower() == ".md":
        match = _HEADING.search(text)
        if match:
            return match.group(1).strip()
    return path.stem


def doc_files(root: Path) -> list[Path]:
    """The .md/.txt files under `root`, hidden files and folders excluded, in a stable order.

    Hidden folders (.git, .venv, ...) are pruned, never entered; symbolic links to
    folders are not followed, symbolic links to files count as files.
    """
    found = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        for name in names:
            path = Path(folder, name)
            if not name.startswith(".") and path.suffix.lower() in SUFFIXES and path.is_file():
                found.append(path)
    return sorted(found)


def index_folder(docs: store.DocumentStore, root: Path) -> IndexReport:
    """Bring the index up to date with the files under `root`; one transaction."""
    root = root.resolve()
    report = IndexReport(root)
    with docs.connect() as conn:
        known = {src: state for src, state in store.sources(conn).items() if Path(src).is_relative_to(root)}
        for path in doc_files(root):
            _index_file(conn, path, known.pop(str(path), None), report)
        store.delete_rows(conn, [state.rowid for state in known.values()])
        report.removed = len(known)
    return report


def _index_file(conn, path: Path, seen: store.SourceState | None, report: IndexReport) -> None:
    try:
        info = path.stat()
        stat = (info.st_mtime_ns, info.st_size)
        if seen is not None and (seen.mtime, seen.size) == stat:
            report.unchanged += 1
            return
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:  # vanished or unreadable since the walk: keep whatever the index had
        log.warning("cannot read %s: %s", path, exc)
        report.skipped += 1
        return
    if seen is None:
        store.insert(conn, title_of(path, text), text, [], str(path), stat)
        report.added += 1
    else:
        store.update_source(conn, seen.rowid, title_of(path, text), text, stat)
        report.updated += 1
