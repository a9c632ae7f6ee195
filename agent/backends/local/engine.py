"""Which forward pass a local model decodes with: the lean Llama runner, or transformers' own.

The runner covers plain Llama models (the bundled SmolLM2 among them) and is
the only path that offers int8 decoding; any other architecture runs through
transformers. Both extend the same growing KV cache. This module knows nothing of prompts,
sampling or adapters (callers `refresh` after the weights change).
"""

from __future__ import annotations

from typing import Any

import torch

from agent.backends.local.decode import hf_forward
from agent.backends.local.kv import growing_cache
from agent.backends.local.runner import LlamaRunner, supported


class Engine:
    """A forward function plus the cache type it extends."""

    def __init__(self, model: Any, *, int8: bool = False) -> None:
        self.runner = LlamaRunner(model, int8=int8) if supported(model) and model.device.type == "cpu" else None
        self.int8 = int8 and self.runner is not None
        self._hf = hf_forward(model)

    @property
    def kind(self) -> str:
        if self.runner is None:
            return "transformers"
        return "lean runner (int8)" if self.int8 else "lean runner"

    def forward(self, ids: list[int], cache: Any, keep: int) -> torch.Tensor:
        """Logits [rows, vocab] for `ids` appended to `cache`."""
        if self.runner is not None:
            return self.runner.forward(ids, cache, keep)
        return self._hf(ids, cache, keep)

    def new_cache(self) -> Any:
        return growing_cache()

    def refresh(self) -> None:
        """Re-read weights after an adapter change."""
        if self.runner is not None:
            self.runner.refresh()
