"""A KV cache that appends into spare capacity instead of re-concatenating every step.

transformers' `DynamicLayer` grows by `torch.cat`, copying the whole cache of
every layer for each new token: a quarter of decode time on this CPU at a
1,000-token context. `GrowingLayer` doubles a buffer when full and hands
attention a view of the filled part. It knows nothing of prompts or models.
"""

from __future__ import annotations

import torch
from transformers.cache_utils import Cache, DynamicLayer

MIN_CAPACITY = 256


class GrowingLayer(DynamicLayer):
    """One layer's keys and values in amortised-doubling buffers."""

    def lazy_initialization(self, key_states: torch.Tensor, value_states: torch.Tensor) -> None:
        super().lazy_initialization(key_states, value_states)
        self.size = 0
        self.kbuf = self.vbuf = None

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args, **kwargs):
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        end = self.size + key_states.shape[-2]
        self._reserve(end, key_states, value_states)
        self.kbuf[..., self.size : end, :] = key_states
        self.vbuf[..., self.size : end, :] = value_states
        self._set_size(end)
        return self.keys, self.values

    def get_seq_length(self) -> int:
        return self.size if self.is_initialized else 0

    def crop(self, tokens_to_remove: int) -> None:
        """Drop the last `-tokens_to_remove` tokens (transformers' negative convention)."""
        if tokens_to_remove > 0:
            raise ValueError(f"crop expects a negative count of tokens to remove, got {tokens_to_remove}")
        if tokens_to_remove and self.is_initialized:
            self._set_size(max(0, self.size + tokens_to_remove))

    def reset(self) -> None:
        super().reset()
        self.size = 0
        self.kbuf = self.vbuf = None

    def __deepcopy__(self, memo: dict) -> GrowingLayer:
        copy = GrowingLayer()
        if self.is_initialized:
            copy.lazy_initialization(self.keys, self.values)
            copy.kbuf, copy.vbuf = self.keys.clone(), self.values.clone()
            copy._set_size(self.size)
        return copy

    def _reserve(self, need: int, keys: torch.Tensor, values: torch.Tensor) -> None:
        capacity = 0 if self.kbuf is None else self.kbuf.shape[-2]
        if need <= capacity:
            return
        capacity = max(need, 2 * capacity, MIN_CAPACITY)
        kbuf = keys.new_empty((*keys.shape[:-2], capacity, keys.shape[-1]))
        vbuf = values.new_empty((*values.shape[:-2], capacity, values.shape[-1]))
        if self.size:
            kbuf[..., : self.size, :] = self.keys
            vbuf[..., : self.size, :] = self.values
        self.kbuf, self.vbuf = kbuf, vbuf

    def _set_size(self, size: int) -> None:
        self.size = size
        self.keys = self.kbuf[..., :size, :]
        self.values = self.vbuf[..., :size, :]


def growing_cache() -> Cache:
    """An empty cache whose layers are `GrowingLayer`s."""
    return Cache(layer_class_to_replicate=GrowingLayer)
