"""What a shortlisting method is: weighted query text in, one relevance score per tool out.

A method knows tool specs and words only: nothing of the loop, the hub, the
conversation's shape or how many tools will be kept (`select` decides that).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from agent.messages import ToolSpec


@dataclass(frozen=True)
class QueryPart:
    """A piece of the conversation and how much it counts (the latest user turn counts most)."""

    text: str
    weight: float


class Shortlister(Protocol):
    """Scores every tool against the query; higher is more relevant, ties keep the mounted order."""

    name: str

    def scores(self, query: Sequence[QueryPart], tools: Sequence[ToolSpec]) -> list[float]: ...
