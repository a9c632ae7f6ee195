"""A KV cache that appends into spare capacity instead of re-concatenating every step.

transformers' `DynamicLayer` grows by `torch.cat`, copying the whole cache of
every layer for each new token: a quarter of decode time on this CPU at a
1,000-token context. `GrowingLayer` doubles a buffer when full and hands
attention a view of the filled part. It knows nothing of prompts or models.
"""

from __future__ import annotations

import copy

import torch
from transformers.cache_utils import Cache, DynamicLayer

MIN_CAPACITY = 256


class GrowingLayer(DynamicLayer):
    """One layer's keys and values in amortised-doubling buffers."""

    # None until the first update reserves them; `keys`/`values` are views of their filled part.
    kbuf: torch.Tensor | None
    vbuf: torch.Tensor | None

    def lazy_initialization(self, key_states: torch.Tensor, value_states: torch.Tensor) -> None:
        super().lazy_initialization(key_states, value_states)
        self.size = 0
        self.kbuf = self.vbuf = None

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args, **kwargs):
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        end = self.size + key_states.shape[-2]
        kbuf, vbuf = self._reserve(end, key_states, value_states)
        kbuf[..., self.size : end, :] = key_states
        vbuf[..., self.size : end, :] = value_states
        return self._set_size(end)

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
        return self.prefix(self.size)

    def prefix(self, tokens: int) -> GrowingLayer:
        """A new layer holding a copy of the first `tokens` tokens, and nothing of those after them."""
        copy = GrowingLayer()
        if self.is_initialized:
            keys, values = self._views(min(tokens, self.size))
            copy.lazy_initialization(keys, values)
            copy.kbuf, copy.vbuf = keys.clone(), values.clone()
            copy._set_size(keys.shape[-2])
        return copy

    def _reserve(self, need: int, keys: torch.Tensor, values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The buffers, grown to hold `need` tokens (the filled part copied over)."""
        if self.kbuf is not None and self.vbuf is not None and need <= self.kbuf.shape[-2]:
            return self.kbuf, self.vbuf
        capacity = max(need, 2 * (0 if self.kbuf is None else self.kbuf.shape[-2]), MIN_CAPACITY)
        kbuf = keys.new_empty((*keys.shape[:-2], capacity, keys.shape[-1]))
        vbuf = values.new_empty((*values.shape[:-2], capacity, values.shape[-1]))
        if self.size:
            filled_keys, filled_values = self._views(self.size)
            kbuf[..., : self.size, :] = filled_keys
            vbuf[..., : self.size, :] = filled_values
        self.kbuf, self.vbuf = kbuf, vbuf
        return kbuf, vbuf

    def _set_size(self, size: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Point `keys`/`values` at the first `size` tokens of the buffers, and return them."""
        self.size = size
        self.keys, self.values = self._views(size)
        return self.keys, self.values

    def _views(self, size: int) -> tuple[torch.Tensor, torch.Tensor]:
        if self.kbuf is None or self.vbuf is None:  # only update() reserves them, and it runs first
            raise RuntimeError("GrowingLayer has no buffers before its first update")
        return self.kbuf[..., :size, :], self.vbuf[..., :size, :]


def growing_cache() -> Cache:
    """An empty cache whose layers are `GrowingLayer`s."""
    return Cache(layer_class_to_replicate=GrowingLayer)


def copy_prefix(cache: Cache, tokens: int) -> Cache:
    """A new cache with a copy of the first `tokens` tokens of `cache`: a long conversation lent to another
    turn is not copied whole to reuse its first few hundred tokens."""
    growing = [layer for layer in cache.layers if isinstance(layer, GrowingLayer)]
    if len(growing) < len(cache.layers):
        copied = copy.deepcopy(cache)
        if tokens < copied.get_seq_length():  # transformers' crop(0) would empty the cache
            copied.crop(tokens - copied.get_seq_length())
        return copied
    copied = growing_cache()
    copied.layers = [layer.prefix(tokens) for layer in growing]
    return copied
