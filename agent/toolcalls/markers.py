"""Chat-template markers that must never reach an answer: which end the answer, which are dropped.

The bundled Hermes template (like every ChatML template with Hermes tool
calls, Qwen2.5's among them) frames turns with `<|im_start|>`/`<|im_end|>`,
lists tools in `<tools>` and returns results in `<tool_response>`. A model
that writes one of these in its answer is imitating the prompt: an opening
marker starts text it made up (a tool result, the next user turn), so the
answer ends there; a stray closing marker is dropped. `<tool_call>` is the
parsers' business. A server that renders this template (looptune serve,
vLLM) passes such text through in `content`: `clean` and `MarkerFilter` are
for its clients. This module knows nothing of tokens or models.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agent.toolcalls.parsers.base import partial_suffix

HERMES_STOPS = ("<|im_end|>", "<|im_start|>", "<|endoftext|>", "<tool_response>", "<tools>")
HERMES_STRAYS = ("</tool_response>", "</tool_call>", "</tools>")
_STRAY = re.compile("|".join(re.escape(marker) for marker in HERMES_STRAYS))


def first_stop(text: str, stops: Sequence[str] = HERMES_STOPS) -> int:
    """Index of the first stop marker in `text`, or -1."""
    return min((at for at in (text.find(stop) for stop in stops) if at >= 0), default=-1)


def held(text: str, markers: Sequence[str]) -> int:
    """Length of the longest end of `text` that may grow into one of `markers` (to hold back while streaming)."""
    return max((partial_suffix(text, marker) for marker in markers), default=0)


def without_strays(text: str) -> str:
    """`text` without stray closing markers (one pass, so removing one never forms another)."""
    return _STRAY.sub("", text)


def clean(text: str) -> str:
    """A server's answer text cut at the first opening marker, stray closing markers dropped."""
    at = first_stop(text)
    return without_strays(text if at < 0 else text[:at])


class MarkerFilter:
    """`clean` for streamed text: `feed` returns only text no later delta can turn into a marker."""

    def __init__(self) -> None:
        self.text = ""
        self.shown = ""
        self.stopped = False  # an opening marker arrived: everything after it is dropped

    def feed(self, delta: str) -> str:
        if self.stopped:
            return ""
        self.text += delta
        at = first_stop(self.text)
        self.stopped = at >= 0
        safe = self.text[:at] if self.stopped else self.text[: len(self.text) - held(self.text, _MARKERS)]
        return self._show(without_strays(safe))

    def finish(self) -> str:
        """What was held back at the end of the stream (a partial marker that never completed is text)."""
        return "" if self.stopped else self._show(without_strays(self.text))

    def _show(self, now: str) -> str:
        if not now.startswith(self.shown):  # cannot happen: held-back text covers every partial marker
            return ""
        fresh, self.shown = now[len(self.shown) :], now
        return fresh


_MARKERS = HERMES_STOPS + HERMES_STRAYS
