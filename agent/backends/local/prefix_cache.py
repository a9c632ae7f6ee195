"""Reusing the KV cache of a token prefix across agent steps and episodes.

Entries are keyed by the exact token ids they cover. Pinned entries (a system
prompt with its tool schemas) are copied on use and never consumed; the cache
of the latest conversation is handed over and extended in place. While a turn
extends a handed-over cache, the prefix it was handed for stays on loan:
concurrent turns with the same conversation (batched requests, eval jobs that
share a system prompt) copy that prefix instead of prefilling it again, which
is safe because a borrower only writes past the prefix it was given. Tools that
change render different tokens and simply miss; an adapter change clears
everything. This module knows nothing of models, templates or sampling, and
is only used from the thread that runs the forward passes.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from agent.backends.local.kv import copy_prefix
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
        self.lent: list[tuple[tuple[int, ...], Any]] = []  # (the prefix handed over, the borrower's cache)
        self.limits = (pinned, recent)
        self.hits = self.misses = 0

    def lookup(self, prompt: tuple[int, ...]) -> Hit:
        """The best cache for `prompt`, cropped to its common prefix (at most len-1 tokens)."""
        best, best_len, source = None, 0, ""
        # Recent entries first: on a tie, extending one in place beats copying a lent or pinned one.
        for table, kind in ((self.recent.items(), "recent"), (self.lent, "lent"), (self.pinned.items(), "pinned")):
            for key, cache in table:
                n = min(common_prefix(key, prompt), len(prompt) - 1)
                if n > best_len:
                    best, best_len, source = (key, cache), n, kind
        if best is None:
            self.misses += 1
            return Hit(None, 0)
        self.hits += 1
        key, cache = best
        if source != "recent":
            return Hit(copy_prefix(cache, best_len), best_len)
        del self.recent[key]
        self.lent.append((key[:best_len], cache))
        if best_len < cache.get_seq_length():  # transformers' crop(0) would empty the cache
            cache.crop(best_len - cache.get_seq_length())
        return Hit(cache, best_len)

    def pin(self, tokens: tuple[int, ...], cache: Any) -> None:
        """Keep a copy of the cache of `tokens` (e.g. the system prompt) for every later request."""
        self._put(self.pinned, tokens, copy.deepcopy(cache), self.limits[0])

    def keep(self, tokens: tuple[int, ...], cache: Any) -> None:
        """Hand over the cache of a finished turn for the next step to extend (its loan, if any, ends)."""
        self.release(cache)
        self._put(self.recent, tokens, cache, self.limits[1])

    def release(self, cache: Any) -> None:
        """End the loan of `cache`: its turn ended, kept or not, and will write to it no more."""
        self.lent = [(key, lent) for key, lent in self.lent if lent is not cache]

    def has_pinned(self, tokens: tuple[int, ...]) -> bool:
        return tokens in self.pinned

    def clear(self) -> None:
        """Forget everything (the weights changed)."""
        self.pinned.clear()
        self.recent.clear()
        self.lent.clear()

    @staticmethod
    def _put(table: OrderedDict, tokens: tuple[int, ...], cache: Any, limit: int) -> None:
        table.pop(tokens, None)
        table[tokens] = cache
        while len(table) > limit:
            table.popitem(last=False)
