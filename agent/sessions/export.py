"""Stored sessions as trace JSONL (DESIGN.md's `{"messages", "tools", "meta"}`), ready for training.

One trace per session. With `ok_only`, a session is cut before its first
turn that did not end in a final answer: later turns may build on it, so
dropping it alone would leave a conversation that never happened.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from agent.fsutil import atomic_write_text
from agent.messages import Message, ToolSpec, Trace
from agent.sessions.store import SessionInfo, SessionStore, TurnRecord


@dataclass
class ExportCounts:
    turns: int = 0
    skipped_turns: int = 0


@dataclass
class ExportReport:
    path: Path
    sessions: int = 0
    skipped_sessions: int = 0
    turns: int = 0
    skipped_turns: int = 0

    def summary(self) -> str:
        if not self.sessions:
            return f"nothing to export ({self.skipped_sessions} sessions skipped); {self.path} left as it was"
        return (
            f"{self.sessions} sessions ({self.turns} turns) exported to {self.path}; "
            f"skipped {self.skipped_sessions} sessions and {self.skipped_turns} turns"
        )


def _kept(turns: list[TurnRecord], ok_only: bool) -> list[TurnRecord]:
    if not ok_only:
        return turns
    cut = next((i for i, t in enumerate(turns) if t.outcome != "final"), len(turns))
    return turns[:cut]


def _tools(turns: list[TurnRecord]) -> list[ToolSpec]:
    by_name: dict[str, ToolSpec] = {}
    for turn in turns:
        by_name.update({tool.name: tool for tool in turn.tools})  # a later turn's spec wins
    return list(by_name.values())


def _meta(info: SessionInfo, turns: list[TurnRecord]) -> dict:
    return {
        "session": info.id,
        "source": info.source,
        "backend": info.backend,
        "model": info.model,
        "title": info.title,
        "created_at": info.created_at,
        "turns": [{"turn": t.turn, "outcome": t.outcome, "steps": t.steps, "duration_s": t.duration_s} for t in turns],
    }


def session_trace(store: SessionStore, session_id: str, *, ok_only: bool) -> tuple[Trace | None, ExportCounts]:
    """One session as a trace (None when `ok_only` leaves no turn), with what was kept and skipped."""
    turns = store.turns(session_id)
    kept = _kept(turns, ok_only)
    counts = ExportCounts(len(kept), len(turns) - len(kept))
    if not kept:
        return None, counts
    grouped = store.turn_messages(session_id)
    messages: list[Message] = [m for t in kept for m in grouped.get(t.turn, [])]
    return Trace(messages=messages, tools=_tools(kept), meta=_meta(store.info(session_id), kept)), counts


def export_sessions(store: SessionStore, ids: Iterable[str], path: Path, *, ok_only: bool) -> ExportReport:
    """Write the sessions' traces to `path` (atomically: a reader never sees half a file)."""
    report, lines = ExportReport(path), []
    for session_id in ids:
        trace, counts = session_trace(store, session_id, ok_only=ok_only)
        report.turns += counts.turns
        report.skipped_turns += counts.skipped_turns
        if trace is None:
            report.skipped_sessions += 1
            continue
        report.sessions += 1
        lines.append(trace.to_json_line() + "\n")
    if lines:  # an empty export must not replace an existing file with nothing
        atomic_write_text(path, "".join(lines))
    return report
