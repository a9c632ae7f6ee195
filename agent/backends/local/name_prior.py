"""A retrieval prior on which listed tool a call names: logit bonuses while the decoder spells the name.

The tool-call grammar already limits a call's name to the listed tools. Among
them a small model picks by what it has seen before, not by what the request
says: measured on tools it never trained on, it sent "void the assignment" to
`create-assignment` beside `assignment_drop`, and chose the right tool in 29 %
of single calls, where the shortlist method's best-scored tool was the right
one in 54-62 %. So while the call's name is being written, each token the
grammar allows gets `strength` times the best normalised relevance score of
the names it can still lead to: a product of the model's and the retriever's
opinions. The model alone still decides whether to call at all and writes
the arguments; only the turn's first call is steered (a later call in a
chain wants a different tool than the request's best match).

This module sees bytes and scores, nothing of models, grammars or where the
scores come from (agent.backends.local.prompt computes them with agent.shortlist).
"""

from __future__ import annotations

from collections.abc import Mapping

from agent.toolcalls.parsers import hermes


class NamePrior:
    """Per-name weights in [0, 1] (1: the best-scored tool) and how many logits the best one gains."""

    def __init__(self, weights: Mapping[str, float], strength: float) -> None:
        self.prefixes = [(hermes.call_prefix(name).encode(), weight) for name, weight in weights.items()]
        self.strength = strength

    @classmethod
    def from_scores(cls, scores: Mapping[str, float], strength: float) -> NamePrior | None:
        """Scores normalised by the best one; None when nothing scored above zero (no opinion)."""
        best = max(scores.values(), default=0.0)
        if best <= 0 or strength <= 0:
            return None
        return cls({name: max(score, 0.0) / best for name, score in scores.items()}, strength)

    def naming(self, written: bytes) -> bool:
        """Whether the call text written so far still ends inside (or before) a tool's name."""
        return any(prefix.startswith(written) for prefix, _ in self.prefixes)

    def bonus(self, written: bytes, token: bytes) -> float:
        """Logits to add to a token that would extend `written`: 0 for one no listed name continues with."""
        text = written + token
        weights = [w for prefix, w in self.prefixes if prefix.startswith(text) or text.startswith(prefix)]
        return self.strength * max(weights) if weights else 0.0
