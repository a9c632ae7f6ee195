"""Streaming one decoded turn as text: incremental detokenisation, stop strings, hidden tool calls.

Text shown to people passes through the tool-call parser's streaming
variant, so a half-written `<tool_call>` never appears as text. This module
knows nothing of models or caches: it sees token ids and strings.
"""

from __future__ import annotations

from typing import Any


class TextTracker:
    """Turns the growing list of generated ids into safe text deltas."""

    def __init__(self, tokenizer: Any, parser_stream: Any, stop: list[str] | None = None) -> None:
        self.tokenizer, self.parser = tokenizer, parser_stream
        self.stop = [s for s in stop or [] if s]
        self.ids: list[int] = []
        self.text = ""
        self.stopped = False

    def add(self, ids: list[int]) -> str:
        """Append ids; return the newly visible text (empty while a tool call or stop string is pending)."""
        self.ids.extend(ids)
        text = self.tokenizer.decode(self.ids, skip_special_tokens=False)
        if text.endswith("\ufffd"):
            return ""  # a multi-byte character is split across tokens: wait for the rest
        text = self._cut_at_stop(text)
        delta = text[len(self.text) :] if text.startswith(self.text) else ""
        self.text = text
        return self.parser.feed(delta) if delta else ""

    def _cut_at_stop(self, text: str) -> str:
        for stop in self.stop:
            at = text.find(stop)
            if at >= 0:
                self.stopped = True
                text = text[:at]
        return text
