"""Streaming one decoded turn as text: incremental detokenisation, stop strings, hidden tool calls and markers.

Text shown to people passes through the tool-call parser's streaming
variant, so a half-written `<tool_call>` never appears as text, and neither
does a chat-template marker (`</tool_response>`, `<|im_start|>`...: the
parser ends the answer at one, and the turn stops decoding). The tail of
the text that could still become a stop string is held back until it cannot.
This module knows nothing of models or caches: it sees token ids and strings.
"""

from __future__ import annotations

from typing import Any

from agent.toolcalls import ParsedTurn, Parser
from agent.toolcalls.markers import held


class TextTracker:
    """Turns the growing list of generated ids into safe text deltas."""

    def __init__(self, tokenizer: Any, parser: Parser, stop: list[str] | None = None) -> None:
        self.tokenizer, self.parser = tokenizer, parser.stream()
        self.stop = [s for s in stop or [] if s]
        self.ids: list[int] = []
        self.text = ""  # decoded so far, cut at a stop string
        self.fed = ""  # the part of `text` given to the parser: all of it but a possible start of a stop string
        self.stopped = False

    def add(self, ids: list[int]) -> str:
        """Append ids; return the newly visible text (empty while a tool call, stop string or marker is pending)."""
        self.ids.extend(ids)
        text = self.tokenizer.decode(self.ids, skip_special_tokens=False)
        if text.endswith("\ufffd"):
            return ""  # a multi-byte character is split across tokens: wait for the rest
        self.text = self._cut_at_stop(text)
        shown = self._feed(self.text if self.stopped else self.text[: len(self.text) - held(self.text, self.stop)])
        self.stopped = self.stopped or self.parser.stopped
        return shown

    def finish(self) -> tuple[str, ParsedTurn]:
        """(text held back until the end, now safe to show; the parse of the whole turn)."""
        shown = self._feed(self.text)
        turn = self.parser.finish()
        return shown + self.parser.rest(turn), turn

    def _feed(self, text: str) -> str:
        if not text.startswith(self.fed):  # decoding a new token changed earlier text: that change is dropped
            self.fed = text
            return ""
        delta, self.fed = text[len(self.fed) :], text
        return self.parser.feed(delta) if delta else ""

    def _cut_at_stop(self, text: str) -> str:
        for stop in self.stop:
            at = text.find(stop)
            if at >= 0:
                self.stopped = True
                text = text[:at]
        return text
