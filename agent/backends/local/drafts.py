"""Prompt-lookup drafts: guess the next tokens by finding the latest n-gram in the context.

Tool arguments and answers copy spans from the prompt and from tool results;
proposing those spans lets one forward pass verify several tokens. Greedy
output is unchanged: a draft token is kept only if the model would have
chosen it anyway. This module knows nothing of models.
"""

from __future__ import annotations

from collections.abc import Sequence


def propose(tokens: Sequence[int], k: int, ngrams: Sequence[int] = (4, 3, 2)) -> list[int]:
    """Up to k tokens that followed the latest earlier occurrence of the trailing n-gram."""
    for n in ngrams:
        if len(tokens) <= n:
            continue
        tail = list(tokens[-n:])
        for start in range(len(tokens) - n - 1, -1, -1):
            if tokens[start] == tail[0] and list(tokens[start : start + n]) == tail:
                follow = list(tokens[start + n : start + n + k])
                if follow:
                    return follow
    return []
