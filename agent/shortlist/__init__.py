"""Tool shortlisting: give the model only the k mounted tools most relevant to the conversation.

The same `shortlist` call narrows the list in the loop (run, chat, eval, trace
generation) and in the serve endpoint, so training sees what inference sees.
Methods are looked up by name; `methods()` lists them: `lexical` (BM25 over tool text with trigram
fuzziness) and `expanded` (the default: the same, plus request-word -> tool-word associations learned
from the train split; regenerate associations.json with `looptune tasks generate --split train --n 3000
--seed 1 -o train.jsonl && python -m agent.shortlist.learn --tasks train.jsonl`). Measured by
bench/shortlist_recall.py.
"""

from __future__ import annotations

from collections.abc import Sequence

from agent.messages import Message, ToolSpec
from agent.shortlist.expanded import ExpandedShortlister
from agent.shortlist.lexical import LexicalShortlister
from agent.shortlist.protocol import QueryPart, Shortlister
from agent.shortlist.select import (
    DEFAULT_K,
    DEFAULT_METHOD,
    ShortlistConfig,
    called_tools,
    conversation_query,
    shortlist,
)

_METHODS: dict[str, type] = {"lexical": LexicalShortlister, "expanded": ExpandedShortlister}


def shortlisted(messages: Sequence[Message], tools: Sequence[ToolSpec], k: int, method: str) -> list[ToolSpec]:
    """`shortlist` with the method by name: the one call the loop, serve and session recording make."""
    if k <= 0 or len(tools) <= k:
        return list(tools)
    return shortlist(messages, tools, k, get_method(method))


def methods() -> list[str]:
    return sorted(_METHODS)


def get_method(name: str) -> Shortlister:
    """The shortlisting method called `name`; ValueError names the known ones."""
    if name not in _METHODS:
        raise ValueError(f"unknown shortlist method {name!r} (known: {', '.join(methods())})")
    return _METHODS[name]()


__all__ = [
    "DEFAULT_K",
    "DEFAULT_METHOD",
    "QueryPart",
    "ShortlistConfig",
    "Shortlister",
    "called_tools",
    "conversation_query",
    "get_method",
    "methods",
    "shortlist",
    "shortlisted",
]
