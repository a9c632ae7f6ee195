"""Prefix sharing: training tokens/s of the recipe with `share_prefix` vs without, same examples, same run.

Run: `.venv/bin/python bench/train_prefix_sharing.py --data TRACES.jsonl [--groups 30] [--share 4]`.
The recipe's examples are drawn as `looptune train` draws them (`max_examples`
as whole groups), then a seeded sample of G of their groups is trained twice
in this process, one epoch each: every example alone (batch 1 +
accumulation), then every group as one step with its shared prefix run once.
Both sides count the same example tokens, so the ratio of tokens/s is the
ratio of wall time. The sample's share of groups and singletons is the
recipe's, so the ratio is the one a full run would see.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from pathlib import Path

from training.sft.config import TrainConfig, load_config
from training.sft.data import Example, load_examples, split
from training.sft.groups import MIN_SHARED, group_examples, summary, take
from training.sft.model import load_base
from training.sft.trainer import train

RECIPE = Path(__file__).resolve().parents[1] / "examples" / "recipes" / "bundled-cpu.yaml"


def config_for(data: Path, out: Path, share: int) -> TrainConfig:
    """The shipped recipe on this data; `share` examples per step either way."""
    overrides = {"data": str(data), "output_dir": str(out), "save_steps": "100000", "share_prefix": str(share)}
    return load_config(str(RECIPE), {**overrides, "grad_accumulation": "1" if share > 1 else "4"})


def sample(config: TrainConfig, base, share: int, groups: int) -> list[Example]:
    """A seeded sample of `groups` of the groups the recipe's run would train."""
    examples = load_examples(config.data, base.tokenizer, base.template, config.max_length).examples
    drawn = take(split(examples, 0.0, config.seed)[0], config.max_examples or len(examples), share, config.seed)
    chosen = random.Random(config.seed).sample(group_examples(drawn, share, MIN_SHARED), groups)
    return [e for g in chosen for e in g.examples]


def run(config: TrainConfig, items: list[Example]) -> tuple[float, float | None]:
    """(seconds, final train loss) for one epoch over `items`, on a fresh base model."""
    _, result = train(config, load_base(config.base_model), items, [])
    return result.seconds, result.train_loss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="oracle traces (looptune traces generate)")
    parser.add_argument("--groups", type=int, default=30, help="groups sampled from the recipe's examples")
    parser.add_argument("--share", type=int, default=4, help="share_prefix: examples per group")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        alone = config_for(args.data, Path(folder) / "alone", 1)
        shared = config_for(args.data, Path(folder) / "shared", args.share)
        items = sample(shared, load_base(shared.base_model), args.share, args.groups)
        tokens = sum(len(e.input_ids) for e in items)
        alone_s, alone_loss = run(alone, items)
        shared_s, shared_loss = run(shared, items)
    print(f"{len(items)} examples, {tokens} tokens; {summary(group_examples(items, args.share, MIN_SHARED))}")
    print(f"each example alone: {alone_s:.0f} s = {tokens / alone_s:.0f} tok/s (train loss {alone_loss:.4f})")
    print(f"share_prefix {args.share}: {shared_s:.0f} s = {tokens / shared_s:.0f} tok/s (train loss {shared_loss:.4f})")
    print(f"ratio {alone_s / shared_s:.2f}x")


if __name__ == "__main__":
    main()
