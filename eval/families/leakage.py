"""How close the train phrasings come to the held-out ones.

Every train form (hand-written, train-only, composed by the grammar, and
those of intents added later) is checked against its intent's held-out
phrasings, so none rewords a test phrasing closely enough to leak it.
Similarity is difflib's ratio over words, slots and punctuation aside. This
module knows nothing of tasks or servers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from eval.families.base import Family

_SLOT = re.compile(r"\{\w+\}")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")  # "what's" is a word; quotes around a slot are not


@dataclass(frozen=True)
class Pair:
    intent: str
    train_only: str
    held_out: str
    ratio: float


def ratio(a: str, b: str) -> float:
    """Word-level similarity of two phrasings, 0..1."""
    return SequenceMatcher(None, _tokens(a), _tokens(b), autojunk=False).ratio()


def _tokens(phrasing: str) -> list[str]:
    return _WORD.findall(_SLOT.sub(" slot ", phrasing).lower())


def closest_pairs(family: Family) -> list[Pair]:
    """For every train phrasing, the held-out phrasing of its intent it is most like."""
    pairs = []
    for intent in family.all_intents:
        held_out = [intent.phrasing(k) for k in intent.phrasing_ids("test")]
        for text in (intent.phrasing(k) for k in intent.phrasing_ids("train")):
            score, best = max((ratio(text, h), h) for h in held_out)
            pairs.append(Pair(intent.name, text, best, score))
    return pairs
