"""Choosing the next token from logits: greedy, or temperature / top-p with a seeded generator.

It knows nothing of models, caches or grammars (masks are applied before).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class SamplingParams:
    temperature: float | None = None
    top_p: float | None = None
    seed: int | None = None

    @property
    def greedy(self) -> bool:
        return not self.temperature or self.temperature <= 0


class Sampler:
    """Picks tokens; a fixed seed makes a whole turn reproducible."""

    def __init__(self, params: SamplingParams) -> None:
        self.params = params
        self.generator = torch.Generator()
        if params.seed is not None:
            self.generator.manual_seed(params.seed)
        else:
            self.generator.seed()

    def pick(self, logits: torch.Tensor) -> int:
        """One token id from a [vocab] row of logits."""
        temperature = self.params.temperature
        if self.params.greedy or temperature is None:  # greedy covers None; spelled out, the type narrows
            return int(torch.argmax(logits))
        probs = torch.softmax(logits.float() / temperature, dim=-1)
        if self.params.top_p is not None and self.params.top_p < 1:
            probs = _top_p(probs, self.params.top_p)
        return int(torch.multinomial(probs, 1, generator=self.generator))


def _top_p(probs: torch.Tensor, top_p: float) -> torch.Tensor:
    ordered, index = torch.sort(probs, descending=True)
    # Keep the smallest set whose mass reaches top_p (always at least the top token).
    drop = torch.cumsum(ordered, dim=-1) - ordered > top_p
    ordered[drop] = 0
    kept = torch.zeros_like(probs).scatter_(-1, index, ordered)
    return kept / kept.sum()
