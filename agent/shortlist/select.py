"""Which k tools the model sees for a conversation: the best-scored ones, plus every tool already called.

The query is the conversation's user turns, the latest weighted most. Kept
tools come back in the mounted order (a stable list keeps the prompt prefix
cacheable and matches what the model trained on). This module knows messages
and tool specs, nothing of the loop, hub or backends.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from agent.messages import AssistantMessage, Message, ToolSpec, UserMessage, content_text
from agent.shortlist.protocol import QueryPart, Shortlister

# Measured by bench/shortlist_recall.py (every bundled server mounted): recall@6 of `expanded` is 96 % on
# the held-out split and 98 % on unseen generic toolsets, with a third of the prompt tokens of all tools.
DEFAULT_K = 6
DEFAULT_METHOD = "expanded"
EARLIER_WEIGHT = 0.5  # each user turn back counts half as much as the one after it
QUOTED_WEIGHT = 0.25
# 'single', "double" or “curly” quotes; an apostrophe inside a word (what's, don't) opens nothing.
_QUOTED = re.compile(r"(?<!\w)'([^'\n]+)'(?!\w)|\"([^\"\n]+)\"|“([^”\n]+)”")


@dataclass(frozen=True)
class ShortlistConfig:
    """k = 0 turns shortlisting off (every mounted tool is listed)."""

    k: int = DEFAULT_K
    method: str = DEFAULT_METHOD

    def describe(self) -> dict[str, object]:
        return {"k": self.k, "method": self.method}


def conversation_query(messages: Sequence[Message]) -> list[QueryPart]:
    """The user turns as query parts: the latest weight 1, each earlier one half the next's.

    Quoted text ('a title', "a message") is what goes into arguments, not what picks the tool: it
    counts QUOTED_WEIGHT as much as the words around it.
    """
    users = [content_text(m.content) for m in messages if isinstance(m, UserMessage)]
    parts = []
    for back, text in enumerate(reversed(users)):
        weight = EARLIER_WEIGHT**back
        quoted = [m.group(1) or m.group(2) or m.group(3) for m in _QUOTED.finditer(text)]
        parts.append(QueryPart(_QUOTED.sub(" ", text), weight))
        parts.extend(QueryPart(q, weight * QUOTED_WEIGHT) for q in quoted)
    return [part for part in parts if part.text.strip()]


def called_tools(messages: Sequence[Message]) -> set[str]:
    """Names of every tool an assistant turn of the conversation called."""
    return {call.name for m in messages if isinstance(m, AssistantMessage) for call in m.tool_calls or []}


def calls_since_user(messages: Sequence[Message]) -> bool:
    """Whether an assistant turn after the latest user turn called a tool (the turn is mid-chain)."""
    for message in reversed(messages):
        if isinstance(message, UserMessage):
            return False
        if isinstance(message, AssistantMessage) and message.tool_calls:
            return True
    return False


def shortlist(messages: Sequence[Message], tools: Sequence[ToolSpec], k: int, method: Shortlister) -> list[ToolSpec]:
    """The tools to show: the k best-scored plus every one already called, in the mounted order."""
    if k <= 0 or len(tools) <= k:
        return list(tools)
    keep = called_tools(messages)
    scores = method.scores(conversation_query(messages), tools)
    # Stable: equal scores keep the mounted order, so no-match queries get the first tools, deterministically.
    ranked = sorted(range(len(tools)), key=lambda i: -scores[i])
    # Called tools come on top of the k best, not in their place: this turn's tools must not be crowded out.
    chosen = set(ranked[:k]) | {i for i, spec in enumerate(tools) if spec.name in keep}
    return [spec for i, spec in enumerate(tools) if i in chosen]
