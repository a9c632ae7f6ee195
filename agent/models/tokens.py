"""Token-sequence helpers shared by the local backend's prefix cache and training's prefix sharing.

It knows nothing of models, caches or batches: only sequences of token ids.
"""

from __future__ import annotations

from collections.abc import Sequence


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the longest common prefix of two token sequences."""
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n
