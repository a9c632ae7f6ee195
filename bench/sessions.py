"""What storing every step costs: agent turns with and without the session recorder.

Run: `.venv/bin/python bench/sessions.py [--turns 200]`. Each turn is one
tool call and an answer (two steps) through the real loop with a scripted
model and an in-memory toolbox, so the difference is the recorder's SQLite
writes (WAL, one commit per step). The baseline is the same turns unrecorded.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio

from agent.backends.scripted import ScriptedBackend
from agent.hub.results import ToolOutcome
from agent.loop import AgentLoop
from agent.messages import FunctionSpec, Message, ToolSpec, UserMessage
from agent.sessions.recorder import TurnRecorder
from agent.sessions.store import SessionStore

TOOL = ToolSpec(function=FunctionSpec(name="box__echo"))
TURN = [{"tool_calls": [{"name": "box__echo", "arguments": {"text": "x" * 200}}]}, {"content": "Done. " * 40}]


class Box:
    def specs(self) -> list[ToolSpec]:
        return [TOOL]

    def needs_approval(self, name: str) -> bool:
        return False

    async def call(self, name: str, arguments: str, progress: Any = None) -> ToolOutcome:
        return ToolOutcome("echo: " + "y" * 400)


async def turns(count: int, store: SessionStore | None) -> list[float]:
    """Seconds per turn; recorded into `store` when given."""
    times, history = [], []
    session = store.create(backend="scripted", model="bench") if store else None
    for i in range(count):
        loop = AgentLoop(ScriptedBackend(TURN), Box())
        new: list[Message] = [UserMessage(content=f"turn {i}")]
        began = time.perf_counter()
        recorder = TurnRecorder(store, session, history) if store else None
        if recorder:
            recorder.begin(new, [TOOL])
        async with loop.stream([*history, *new]) as events:
            async for event in events:
                if recorder:
                    recorder.on_event(event)
        times.append(time.perf_counter() - began)
    return times


async def main(count: int) -> None:
    base = await turns(count, None)
    with tempfile.TemporaryDirectory() as tmp, SessionStore(Path(tmp) / "sessions.db") as store:
        recorded = await turns(count, store)
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the size of what is kept, not of the WAL
        size = (Path(tmp) / "sessions.db").stat().st_size
    b, r = statistics.median(base), statistics.median(recorded)
    print(f"turns: {count} (2 steps each)")
    print(f"unrecorded turn: median {b * 1000:.2f} ms")
    print(f"recorded turn:   median {r * 1000:.2f} ms  (+{(r - b) * 1000:.2f} ms per turn, ratio {r / b:.2f}x)")
    print(f"store size: {size / count / 1024:.1f} KiB per turn")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200)
    anyio.run(main, parser.parse_args().turns)
