"""BM25 with query expansion: request words also count as the tool words training tied them to.

The associations (associations.json, made by `looptune tasks learn-shortlist` from the TRAIN split
only) map a request word to tool words with a strength, e.g. "yen" -> "currency". An expanded word
weighs ALPHA x strength x the request word's weight, and never less than the word's own weight when
the request uses it itself. This module knows words and the data file, nothing of conversations.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

from agent.messages import ToolSpec
from agent.shortlist.lexical import index_for, query_weights, score_words
from agent.shortlist.protocol import QueryPart

DATA = Path(__file__).with_name("associations.json")
ALPHA = 0.5  # an associated word counts less than a word the user wrote


@cache
def associations(path: Path = DATA) -> dict[str, list[tuple[str, float]]]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: cannot read shortlist associations: {exc}") from exc
    return {word: [(t, float(p)) for t, p in pairs] for word, pairs in raw.items()}


def expand(weights: Mapping[str, float], table: Mapping[str, list[tuple[str, float]]]) -> dict[str, float]:
    out = dict(weights)
    for word, weight in weights.items():
        for other, strength in table.get(word, ()):
            out[other] = max(out.get(other, 0.0), ALPHA * strength * weight)
    return out


class ExpandedShortlister:
    """Lexical BM25 over the request words plus the tool words training associated with them."""

    name = "expanded"

    def scores(self, query: Sequence[QueryPart], tools: Sequence[ToolSpec]) -> list[float]:
        return score_words(expand(query_weights(query), associations()), index_for(tools))
