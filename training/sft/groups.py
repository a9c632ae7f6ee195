"""Examples that share a token prefix, trained as one group whose prefix is computed once.

Tool-use traces on the same servers and date open with the same system
prompt and tool schemas: most of each example's tokens, none of them
trained. A group runs that prefix through the model once and each member's
own tokens (from before its first trained token on) on top of the prefix's
KV cache; the gradients of the shared prefix sum over the members, so the
loss and gradients equal training each member alone (only LoRA dropout on
the prefix is drawn once per group instead of once per member). Neighbours
in token order share the longest prefixes, so grouping sorts, then chunks.
It knows nothing of models or trainers beyond the tensors a collator hands
them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from agent.models.tokens import common_prefix
from training.sft.data import Example

# Below this many shared tokens a group saves next to nothing, and the example is better kept for a neighbour
# that shares more (sorted order puts examples on the same servers and date side by side).
MIN_SHARED = 64


@dataclass
class Group:
    examples: list[Example]
    prefix: int  # tokens computed once for all members (0: each member alone)

    @property
    def tokens(self) -> int:
        """Tokens the model actually runs: the prefix once, then each member's own part."""
        return self.prefix + sum(len(e.input_ids) - self.prefix for e in self.examples)


def first_trained(example: Example) -> int:
    """Index of the example's first trained token."""
    return example.assistant_masks.index(1)


def split_point(examples: list[Example]) -> int:
    """Shared tokens that can be computed once: the position predicting the first trained token stays per member."""
    if len(examples) < 2:
        return 0
    first = examples[0].input_ids
    shared = min(common_prefix(first, e.input_ids) for e in examples[1:])
    return min(shared, *(first_trained(e) - 1 for e in examples))


def group_examples(examples: list[Example], size: int, min_shared: int) -> list[Group]:
    """Groups of up to `size` examples, each sharing at least `min_shared` tokens (else the example trains alone)."""
    groups: list[Group] = []
    current: list[Example] = []
    for example in sorted(examples, key=lambda e: e.input_ids):
        if current and (len(current) == size or split_point([*current, example]) < min_shared):
            groups.append(Group(current, split_point(current)))
            current = []
        current.append(example)
    if current:
        groups.append(Group(current, split_point(current)))
    return groups


def take(examples: list[Example], n: int, size: int, seed: int) -> list[Example]:
    """`n` examples drawn group by group in a seeded order (the last group cut to fit)."""
    # Every group is as likely to be drawn, so every example is as likely as in a plain shuffle; but it comes
    # with its neighbours, where a plain shuffle of 1000 of 2400 examples would split most groups up.
    groups = group_examples(examples, size, MIN_SHARED)
    random.Random(seed).shuffle(groups)
    taken: list[Example] = []
    for group in groups:
        taken += group.examples[: n - len(taken)]
        if len(taken) == n:
            break
    return taken


def group_rows(groups: list[Group]) -> dict[str, list[Any]]:
    """Dataset columns, one row per group: the prefix then each member's tail, labels aligned, segment lengths."""
    rows: dict[str, list[Any]] = {"input_ids": [], "labels": [], "lengths": []}
    for group in groups:
        ids: list[int] = list(group.examples[0].input_ids[: group.prefix])
        labels: list[int] = [-100] * group.prefix
        lengths = [group.prefix]
        for e in group.examples:
            tail = zip(e.input_ids[group.prefix :], e.assistant_masks[group.prefix :], strict=True)
            ids += e.input_ids[group.prefix :]
            labels += [t if m else -100 for t, m in tail]
            lengths.append(len(e.input_ids) - group.prefix)
        rows["input_ids"].append(ids)
        rows["labels"].append(labels)
        rows["lengths"].append(lengths)
    return rows


def summary(groups: list[Group]) -> str:
    """One line for the training log: how many groups and how much of the work sharing saves."""
    examples = sum(len(g.examples) for g in groups)
    full = sum(len(e.input_ids) for g in groups for e in g.examples)
    run = sum(g.tokens for g in groups)
    shared = sum(len(g.examples) for g in groups if len(g.examples) > 1)
    return (
        f"prefix sharing: {examples} examples in {len(groups)} groups ({shared} share a prefix); "
        f"{run} of {full} tokens run ({1 - run / full:.0%} saved)"
    )


class GroupCollator:
    """Batches of one row: a group (with `lengths`) or a plain example, as tensors of batch size 1."""

    def __call__(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        if len(rows) != 1:
            raise ValueError(f"prefix sharing trains one group per micro-batch (batch_size 1), got {len(rows)} rows")
        row = rows[0]
        batch = {key: torch.tensor([row[key]]) for key in ("input_ids", "labels")}
        if "lengths" in row:
            # The trainer's count of trained labels (its loss normalisation) reads the concatenation as one row;
            # every segment starts untrained, so it counts exactly the members' trained tokens.
            batch["lengths"] = torch.tensor([row["lengths"]])
        return batch
