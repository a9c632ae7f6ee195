"""Reusing the KV cache of a token prefix across agent steps and episodes.

Entries are keyed by the exact token ids they cover. Pinned entries (a system
prompt with its tool schemas) are copied on use and never consumed; the cache
of the latest conversation is handed over and extended in place. Tools that
change render different tokens and simply miss; an adapter change clears
everything. This module knows nothing of models, templates or sampling.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from agent.models.tokens import common_prefix


@dataclass
class Hit:
    """A cache covering the first `length` tokens of the prompt (None and 0 on a miss)."""

    cache: Any
    length: int


class PrefixCache:
    """A few pinned prefixes plus the most recent conversations."""

    def __init__(self, pinned: int = 4, recent: int = 2) -> None:
        self.pinned: OrderedDict[tuple[int, ...], Any] = OrderedDict()
        self.recent: OrderedDict[tuple[int, ...], Any] = OrderedDict()
        self.limits = (pinned, recent)
        self.hits = self.misses = 0

    def lookup(self, prompt: tuple[int, ...]) -> Hit:
        """The best cache for `prompt`, cropped to its common prefix (at most len-1 tokens)."""
        best_key, best_len, pinned = None, 0, False
        # Recent entries first: on a tie, extending one in place beats copying a pinned one.
        for table, is_pinned in ((self.recent, False), (self.pinned, True)):
            for key in table:
                n = min(common_prefix(key, prompt), len(prompt) - 1)
                if n > best_len:
                    best_key, best_len, pinned = key, n, is_pinned
        if best_key is None:
            self.misses += 1
            return Hit(None, 0)
        self.hits += 1
        cache = copy.deepcopy(self.pinned[best_key]) if pinned else self.recent.pop(best_key)
        if best_len < len(best_key):
            cache.crop(best_len - len(best_key))
        return Hit(cache, best_len)

    def pin(self, tokens: tuple[int, ...], cache: Any) -> None:
        """Keep a copy of the cache of `tokens` (e.g. the system prompt) for every later request."""
        self._put(self.pinned, tokens, copy.deepcopy(cache), self.limits[0])

    def keep(self, tokens: tuple[int, ...], cache: Any) -> None:
        """Hand over the cache of a finished turn for the next step to extend."""
        self._put(self.recent, tokens, cache, self.limits[1])

    def has_pinned(self, tokens: tuple[int, ...]) -> bool:
        return tokens in self.pinned

    def clear(self) -> None:
        """Forget everything (the weights changed)."""
        self.pinned.clear()
        self.recent.clear()

    @staticmethod
    def _put(table: OrderedDict, tokens: tuple[int, ...], cache: Any, limit: int) -> None:
        table.pop(tokens, None)
        table[tokens] = cache
        while len(table) > limit:
            table.popitem(last=False)
