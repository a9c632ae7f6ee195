"""The decode loop: prefill in chunks, then one token (or one verified draft) per forward pass.

A `Generation` extends a KV cache that covers every token but the last. With
greedy decoding it verifies prompt-lookup drafts in one forward pass; tokens
run through the tool-call constraint one by one, so a draft never gets past
the grammar. It never runs the model itself: `prefill_steps()` and
`advance()` are generators that yield each forward pass they need as a `Pass`
and are sent its logits back, so whoever drives them can run the passes of
several generations as one batch (see `batch`), or stop between any two (a
cancelled turn); the cache then covers exactly `tokens[:cache length]`. This
module knows nothing of chat templates, tool formats or MCP.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch

from agent.backends.local.drafts import propose
from agent.backends.local.runner import Pass
from agent.backends.local.sampling import Sampler


class Constraint(Protocol):
    """The per-turn grammar state (see `constrain.CallConstraint`)."""

    def mask(self, logits: torch.Tensor) -> torch.Tensor: ...

    def accept(self, token_id: int) -> None: ...

    def forced_text(self) -> str: ...


Forward = Callable[[list[int], Any, int], torch.Tensor]  # (ids, cache, keep) -> logits [rows, vocab]
# Tokens per prefill forward: small enough that a cancel waits well under a second for the 135M model on
# 2 cores (and a few seconds on a loaded machine), large enough that the chunking costs nothing measurable.
PREFILL_CHUNK = 256


def hf_forward(model: Any) -> Forward:
    """A transformers model's forward pass as a `Forward` (for models the lean runner does not cover)."""

    def forward(ids: list[int], cache: Any, keep: int) -> torch.Tensor:
        with torch.no_grad():  # grad mode is per thread, and each step may run in a different worker thread
            tensor = torch.tensor([ids], device=model.device)
            out = model(tensor, past_key_values=cache, use_cache=True, logits_to_keep=keep)
        return out.logits[0]

    return forward


@dataclass
class DecodeStats:
    forwards: int = 0
    drafted: int = 0
    accepted: int = 0
    prefill_tokens: int = 0
    prefill_s: float = 0.0
    decode_s: float = 0.0  # forward passes after the prefill (the caller's own time excluded)


@dataclass
class Generation:
    """One assistant turn being decoded on top of a (possibly reused) cache."""

    cache: Any
    sampler: Sampler
    stop_ids: frozenset[int]
    tokens: list[int] = field(default_factory=list)  # prompt, then generated; the cache covers all but the last
    constraint: Constraint | None = None
    draft_len: int = 0  # most draft tokens per forward; 0: one token per forward (the plain path)
    encode: Callable[[str], list[int]] | None = None  # turns text the grammar forces into draft tokens
    draft_room: Callable[[], int] | None = None  # the most draft tokens the next pass may carry (batching)
    stats: DecodeStats = field(default_factory=DecodeStats)
    stopped: bool = False
    first: int = -1  # the token the prefill chose
    # Verifying 1-2 extra tokens costs about nothing; longer drafts only pay when they are accepted,
    # so the length grows while drafts are accepted and shrinks when they are not.
    window: int = 2

    def prefill_steps(
        self, prompt: list[int], cached: int, pin_at: int = 0, pin: Any = None, chunk: int = 0
    ) -> Generator[Pass, torch.Tensor, None]:
        """The prefill, one pass per chunk of at most `chunk` tokens; then `first` is set.

        The prompt is split where the pinned prefix ends, so the pin copies a cache of exactly that prefix.
        """
        self.tokens = list(prompt)
        self.stats.prefill_tokens = len(prompt) - cached
        stops = [at for at in (pin_at,) if pin is not None and cached < at < len(prompt)] + [len(prompt)]
        logits = None
        for stop in stops:
            for start, end in _pieces(cached, stop, chunk or PREFILL_CHUNK):
                began = time.perf_counter()
                logits = yield from self._forward(prompt[start:end], keep=1)
                self.stats.prefill_s += time.perf_counter() - began
            if stop < len(prompt):
                pin(tuple(prompt[:stop]), self.cache)
            cached = stop
        assert logits is not None, "a prompt has at least one uncached token"
        self.first = self._choose(logits[-1])

    def take(self, pending: list[int], room: int) -> list[int]:
        """Accept chosen tokens up to the room left (a stop token ends the turn and is not kept)."""
        kept = []
        for token in pending[:room]:
            if token in self.stop_ids:
                self.stopped = True
                break
            kept.append(token)
        self.tokens.extend(kept)
        return kept

    def advance(self, room: int) -> Generator[Pass, torch.Tensor, list[int]]:
        """One forward pass: the last token plus a draft no longer than the room left; returns the chosen tokens."""
        draft = self._draft()[: room - 1] if self.draft_len and self.sampler.params.greedy else []
        if self.draft_room is not None:
            draft = draft[: self.draft_room()]
        began = time.perf_counter()
        logits = yield from self._forward([self.tokens[-1], *draft])
        self.stats.decode_s += time.perf_counter() - began
        chosen = []
        for i, row in enumerate(logits):
            token = self._choose(row)
            chosen.append(token)
            if i >= len(draft) or token != draft[i] or token in self.stop_ids:
                break
        self.stats.drafted += len(draft)
        self.stats.accepted += len(chosen) - 1
        self._adapt(len(draft), len(chosen) - 1)
        unused = len(draft) + 1 - len(chosen)
        if unused:
            self.cache.crop(-unused)
        return chosen

    def _draft(self) -> list[int]:
        """What the grammar forces next (inside a call), else a prompt-lookup guess."""
        if self.constraint is not None and self.encode is not None:
            forced = self.constraint.forced_text()
            if forced:
                return self.encode(forced)[: 2 * self.draft_len]
        return propose(self.tokens, min(self.window, self.draft_len))

    def _adapt(self, drafted: int, accepted: int) -> None:
        if drafted and accepted == drafted:
            self.window = min(2 * self.window, max(self.draft_len, 1))
        elif drafted and accepted == 0:
            self.window = max(2, self.window // 2)

    def _choose(self, logits: torch.Tensor) -> int:
        if self.constraint is not None:
            logits = self.constraint.mask(logits)
        token = self.sampler.pick(logits)
        if self.constraint is not None and token not in self.stop_ids:
            self.constraint.accept(token)
        return token

    def _forward(self, ids: list[int], keep: int = 0) -> Generator[Pass, torch.Tensor, torch.Tensor]:
        """Logits of the last `keep` positions (0: all); a prefill needs one row, not 49k x prompt length."""
        self.stats.forwards += 1
        logits = yield Pass(ids, self.cache, keep)
        return logits.float().cpu()


def _pieces(start: int, stop: int, chunk: int) -> list[tuple[int, int]]:
    """[start, stop) in equal pieces of at most `chunk` tokens: no short tail (a few rows would take quantized
    weights)."""
    count = -(-(stop - start) // chunk)
    bounds = [start + (stop - start) * i // count for i in range(count + 1)]
    return list(zip(bounds, bounds[1:], strict=False))
