"""The loop breaker: refuses a call the model has already made, identically, too often."""

from __future__ import annotations

import json
from collections import Counter

from agent.hub.arguments import ArgumentError, parse_arguments
from agent.messages import ToolCall


def call_key(call: ToolCall) -> tuple[str, str]:
    """Name plus canonical arguments, so key order and spacing do not hide a repeat."""
    try:
        canonical = json.dumps(parse_arguments(call.function.arguments), sort_keys=True)
    except ArgumentError:
        canonical = call.function.arguments
    return call.name, canonical


class LoopBreaker:
    """Counts identical calls; the `limit`-th identical call is refused, a second refusal ends the run."""

    def __init__(self, limit: int = 3) -> None:
        self.limit = limit
        self.counts: Counter[tuple[str, str]] = Counter()
        self.refusals = 0

    def check(self, call: ToolCall) -> str | None:
        """None to allow the call, else the refusal the model is told."""
        key = call_key(call)
        self.counts[key] += 1
        if self.counts[key] < self.limit:
            return None
        self.refusals += 1
        return (
            f"Error: refused: you have called {call.name} with these exact arguments {self.counts[key]} times. "
            "The result will not change. Use the results you already have, or answer the user."
        )

    @property
    def tripped(self) -> bool:
        """The model kept repeating after being told: the run should stop."""
        return self.refusals >= 2
