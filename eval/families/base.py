"""Task families: seeded generators of tasks from intents, phrasings and entity pools.

An intent (e.g. "add a task with a due date") builds one task from a context
that hands out entities and renders the user's request from one of the
intent's phrasings. Splits are declared, not sampled: every fourth phrasing
of an intent and every fourth item of an entity pool belong to the test
split, so held-out tasks use phrasings and entities never seen in training.
An intent's `train_only` phrasings (added after the test set was fixed) are
drawn by the train split alone and leave every test task as it was.
This module knows nothing of servers or of how tasks run.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from eval.families.numbers import number_words
from eval.families.style import stated, styled
from eval.tasks import Task

T = TypeVar("T")
SPLITS = ("train", "test")
HOLDOUT = 4  # every HOLDOUT-th phrasing / entity (index % 4 == 3) is test-only
REFERENCE = datetime(2026, 11, 16, 9, 0)  # a Monday; each task's clock is a seeded offset from it


def in_split(index: int, split: str) -> bool:
    """Whether item `index` of a phrasing list or entity pool belongs to `split`."""
    test = index % HOLDOUT == HOLDOUT - 1
    return test if split == "test" else not test


@dataclass
class Draft:
    """What an intent builds; the family adds id, clock and provenance."""

    category: str
    servers: list[str]
    expected_calls: list[dict[str, Any]]
    reference_answer: str
    checks: list[dict[str, Any]]
    setup: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] | None = None  # default: one user turn, the rendered request


class Ctx:
    """Randomness, split and clock for building one task."""

    def __init__(
        self, rng: random.Random, split: str, now: datetime, phrasing: str, options: dict[str, Any] | None = None
    ) -> None:
        self.rng, self.split, self.now, self.phrasing = rng, split, now, phrasing
        self.options = options or {}  # family-specific knobs, e.g. {"masked": 0.3} for generic
        self.slots: dict[str, Any] = {}  # what the phrasing's {names} become; set by the intent

    def pick(self, pool: Sequence[T]) -> T:
        """An entity from `pool`, from this split's share (pools under 4 items are shared)."""
        return self.rng.choice(self._share(pool))

    def sample(self, pool: Sequence[T], k: int) -> list[T]:
        """`k` distinct entities from this split's share of `pool`."""
        return self.rng.sample(self._share(pool), k)

    def _share(self, pool: Sequence[T]) -> list[T]:
        if len(pool) < HOLDOUT:
            return list(pool)
        return [item for i, item in enumerate(pool) if in_split(i, self.split)]

    def choice(self, options: Sequence[T]) -> T:
        """Any option (not an entity: no split)."""
        return self.rng.choice(options)

    def request(self, **slots: Any) -> str:
        """The user's request: the chosen phrasing, restyled, with `slots` filled in."""
        filled = {**self.slots, **slots}
        return styled(self.phrasing, self.rng).format(**filled, **_in_words(filled))

    def phrase(self, phrasings: Sequence[str], **slots: Any) -> str:
        """An earlier statement (not a request), from this split's share of `phrasings`."""
        return stated(self.pick(phrasings), self.rng).format(**slots)


def _in_words(slots: dict[str, Any]) -> dict[str, str]:
    """`{<name>_words}` for every small whole-number slot, for train forms that spell numbers out."""
    words = {f"{name}_words": number_words(value) for name, value in slots.items()}
    return {name: word for name, word in words.items() if word is not None}


@dataclass(frozen=True)
class Intent:
    name: str
    phrasings: tuple[str, ...]
    build: Callable[[Ctx], Draft]
    # More ways to ask, drawn by training only. They come after `phrasings`, so the
    # held-out split (every fourth of `phrasings`) and every test task stay as they were.
    train_only: tuple[str, ...] = ()

    def phrasing_ids(self, split: str) -> list[int]:
        """Indexes of this intent's phrasings that belong to `split`."""
        split_ids = [k for k in range(len(self.phrasings)) if in_split(k, split)]
        extra = range(len(self.phrasings), len(self.phrasings) + len(self.train_only))
        return split_ids if split == "test" else [*split_ids, *extra]

    def phrasing(self, k: int) -> str:
        """Phrasing `k`, counting `train_only` after `phrasings`."""
        return (self.phrasings + self.train_only)[k]


@dataclass(frozen=True)
class Family:
    """A named set of intents; `generate` is deterministic in (n, split, seed)."""

    name: str
    intents: tuple[Intent, ...]
    description: str = ""
    # Intents written after the held-out set was fixed. Training draws them beside `intents`;
    # the test split leaves them out, so the committed held-out tasks regenerate byte for byte.
    # They still declare held-out phrasings (index % 4 == 3), kept for the next held-out set.
    added: tuple[Intent, ...] = ()

    @property
    def all_intents(self) -> tuple[Intent, ...]:
        return self.intents + self.added

    def drawn(self, split: str) -> tuple[Intent, ...]:
        """The intents `generate` takes turns over for `split`."""
        return self.intents if split == "test" else self.all_intents

    def template_ids(self, split: str) -> set[str]:
        """Every template id (family/intent/phrasing) of `split`."""
        return {f"{self.name}/{i.name}/{k}" for i in self.all_intents for k in i.phrasing_ids(split)}

    def generate(
        self,
        n: int,
        split: str,
        seed: int,
        options: dict[str, Any] | None = None,
        intents: Collection[str] | None = None,
    ) -> list[Task]:
        """`n` tasks of `split`, intents (all, or those named) taken in turn so each gets its share."""
        order = [i for i in self.drawn(split) if intents is None or i.name in intents]
        random.Random(f"{seed}/{self.name}/order").shuffle(order)
        return [self._task(order[i % len(order)], i, split, seed, options) for i in range(n)]

    def _task(self, intent: Intent, index: int, split: str, seed: int, options: dict[str, Any] | None) -> Task:
        rng = random.Random(f"{seed}/{self.name}/{split}/{index}")
        k = rng.choice(intent.phrasing_ids(split))
        now = REFERENCE + timedelta(days=rng.randrange(60), minutes=15 * rng.randrange(40))
        ctx = Ctx(rng, split, now, intent.phrasing(k), options)
        draft = intent.build(ctx)
        messages = draft.messages or [{"role": "user", "content": ctx.request()}]
        meta = {"family": self.name, "intent": intent.name, "template": f"{self.name}/{intent.name}/{k}"}
        return Task.model_validate(
            {
                "id": f"{self.name}-{split}-{seed}-{index:05d}",
                "category": draft.category,
                "servers": draft.servers,
                "setup": draft.setup,
                "messages": messages,
                "now": now.isoformat(),
                "expected_calls": draft.expected_calls,
                "reference_answer": draft.reference_answer,
                "checks": draft.checks,
                "meta": {**meta, "split": split, "seed": seed},
            }
        )
