"""Which forward pass a local model decodes with: the lean Llama runner, or transformers' own.

The runner covers plain Llama models (the bundled SmolLM2 among them) and is
the only path that offers quantized weights and several sequences per pass;
any other architecture runs through transformers, one sequence at a time.
Both extend the same growing KV cache. This module knows nothing of prompts,
sampling or adapters (callers `refresh` after the weights change).
"""

from __future__ import annotations

from typing import Any

import torch

from agent.backends.local.decode import hf_forward
from agent.backends.local.kv import growing_cache
from agent.backends.local.options import Quant
from agent.backends.local.runner import LlamaRunner, Pass, supported


class Engine:
    """A forward function plus the cache type it extends."""

    def __init__(self, model: Any, *, quant: Quant = "fp32") -> None:
        self.runner = LlamaRunner(model, quant=quant) if supported(model) and model.device.type == "cpu" else None
        self.quant: Quant = quant if self.runner is not None else "fp32"
        self._hf = hf_forward(model)

    @property
    def kind(self) -> str:
        if self.runner is None:
            return "transformers"
        return "lean runner" if self.quant == "fp32" else f"lean runner ({self.quant})"

    def forward(self, ids: list[int], cache: Any, keep: int) -> torch.Tensor:
        """Logits [rows, vocab] for `ids` appended to `cache`."""
        return self.forward_many([Pass(ids, cache, keep)])[0]

    def forward_many(self, passes: list[Pass]) -> list[torch.Tensor]:
        """Each step's logits, its ids appended to its own cache."""
        if self.runner is not None:
            return self.runner.forward_many(passes)
        return [self._hf(one.ids, one.cache, one.keep) for one in passes]

    def new_cache(self) -> Any:
        return growing_cache()

    def refresh(self) -> None:
        """Re-read weights after an adapter change."""
        if self.runner is not None:
            self.runner.refresh()
