"""Tool shortlisting: give the model only the k mounted tools most relevant to the conversation.

The same `shortlist` call narrows the list in the loop (run, chat, eval, trace
generation) and in the serve endpoint, so training sees what inference sees.
Methods are found through the `looptune.shortlist_methods` entry-point group,
where the built-ins register exactly as a third-party package's method would;
`methods()` lists them: `lexical` (BM25 over tool text with trigram fuzziness)
and `expanded` (the default: the same, plus request-word -> tool-word
associations learned from the train split; regenerate associations.json with
`looptune tasks generate --split train --n 3000 --seed 1 -o train.jsonl &&
looptune tasks learn-shortlist --tasks train.jsonl`). Measured by
bench/shortlist_recall.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import entry_points

from agent.messages import Message, ToolSpec
from agent.shortlist.protocol import QueryPart, Shortlister
from agent.shortlist.select import (
    DEFAULT_K,
    DEFAULT_METHOD,
    ShortlistConfig,
    called_tools,
    calls_since_user,
    conversation_query,
    shortlist,
)

GROUP = "looptune.shortlist_methods"


def shortlisted(messages: Sequence[Message], tools: Sequence[ToolSpec], k: int, method: str) -> list[ToolSpec]:
    """`shortlist` with the method by name: the one call the loop, serve and session recording make."""
    if k <= 0 or len(tools) <= k:
        return list(tools)
    return shortlist(messages, tools, k, get_method(method))


def methods() -> list[str]:
    """Names of every installed shortlisting method."""
    return sorted({ep.name for ep in entry_points(group=GROUP)})


def get_method(name: str) -> Shortlister:
    """The shortlisting method called `name` (a new instance); ValueError names the known ones."""
    found = [ep for ep in entry_points(group=GROUP) if ep.name == name]
    if not found:
        raise ValueError(f"unknown shortlist method {name!r} (known: {', '.join(methods())})")
    return found[0].load()()


__all__ = [
    "DEFAULT_K",
    "DEFAULT_METHOD",
    "QueryPart",
    "ShortlistConfig",
    "Shortlister",
    "called_tools",
    "calls_since_user",
    "conversation_query",
    "get_method",
    "methods",
    "shortlist",
    "shortlisted",
]
