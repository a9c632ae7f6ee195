"""BM25 over tool text, with character-trigram matching for words the tools never use verbatim.

Each tool is one document: its name words (boosted: a name is the most
specific thing a tool says), its server's name, description, parameter names
and descriptions, and enum values. A request word no tool contains matches the
closest tool words by trigram overlap (typos, "temp" for "temperature"),
discounted by that overlap. IDF comes from the mounted tools themselves, so a
word every tool shares ("file" on a files-only hub) counts little. This module
knows tool specs and words, nothing of conversations or of k.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from agent.messages import ToolSpec
from agent.shortlist.protocol import QueryPart
from agent.shortlist.text import tool_fields, words

FIELD_WEIGHTS = {"name": 3.0, "server": 1.0, "description": 1.0, "params": 0.5}
K1, B = 1.2, 0.75
FUZZY_MIN = 0.5  # trigram Jaccard below this is a different word


def trigrams(word: str) -> frozenset[str]:
    padded = f"#{word}#"
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


@dataclass
class ToolIndex:
    """Weighted term frequencies per tool, document frequencies and lengths (BM25's statistics)."""

    tf: list[dict[str, float]]
    df: Counter[str]
    lengths: list[float]
    grams: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, tools: Sequence[ToolSpec]) -> ToolIndex:
        tf: list[dict[str, float]] = []
        for spec in tools:
            counts: dict[str, float] = {}
            for name, found in tool_fields(spec).items():
                for word in found:
                    counts[word] = counts.get(word, 0.0) + FIELD_WEIGHTS[name]
            tf.append(counts)
        df = Counter(word for counts in tf for word in counts)
        return cls(tf, df, [sum(c.values()) for c in tf], {w: trigrams(w) for w in df})

    def idf(self, word: str) -> float:
        n = len(self.tf)
        return math.log(1 + (n - self.df[word] + 0.5) / (self.df[word] + 0.5))

    def bm25(self, word: str, doc: int) -> float:
        tf = self.tf[doc].get(word, 0.0)
        if not tf:
            return 0.0
        mean = sum(self.lengths) / len(self.lengths) or 1.0
        return self.idf(word) * tf * (K1 + 1) / (tf + K1 * (1 - B + B * self.lengths[doc] / mean))

    def matches(self, word: str) -> list[tuple[str, float]]:
        """Tool words standing for `word`: itself, else the closest by trigrams (or a prefix of 4+ letters)."""
        if word in self.df:
            return [(word, 1.0)]
        if len(word) < 4:
            return []
        grams = trigrams(word)
        found = []
        for other, theirs in self.grams.items():
            sim = len(grams & theirs) / len(grams | theirs)
            if len(other) >= 4 and (other.startswith(word) or word.startswith(other)):
                sim = max(sim, 0.6)
            if sim >= FUZZY_MIN:
                found.append((other, sim))
        return sorted(found, key=lambda m: -m[1])[:2]


_CACHE: dict[tuple[str, ...], ToolIndex] = {}
_CACHE_SIZE = 32


def index_for(tools: Sequence[ToolSpec]) -> ToolIndex:
    """The index of this exact tool list (cached: a chat asks for the same list every turn)."""
    key = tuple(spec.model_dump_json() for spec in tools)
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = ToolIndex.build(tools)
    return _CACHE[key]


def query_weights(query: Sequence[QueryPart]) -> dict[str, float]:
    """Each query word's weight: the weights of the parts it occurs in, summed."""
    weights: dict[str, float] = {}
    for part in query:
        for word in set(words(part.text)):
            weights[word] = weights.get(word, 0.0) + part.weight
    return weights


def score_words(weights: Mapping[str, float], index: ToolIndex) -> list[float]:
    """Sum over query words of weight x BM25, fuzzy matches discounted by their similarity."""
    scores = [0.0] * len(index.tf)
    for word, weight in weights.items():
        for match, sim in index.matches(word):
            for doc in range(len(scores)):
                scores[doc] += weight * sim * index.bm25(match, doc)
    return scores


class LexicalShortlister:
    """BM25 with trigram fuzziness over each tool's name, description and parameters."""

    name = "lexical"

    def scores(self, query: Sequence[QueryPart], tools: Sequence[ToolSpec]) -> list[float]:
        return score_words(query_weights(query), index_for(tools))
