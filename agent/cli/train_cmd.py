"""`looptune train CONFIG.yaml [--key value ...] [--resume]`: flags only; the work is in `training.sft`."""

from __future__ import annotations

import argparse
import importlib


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "train",
        help="LoRA / QLoRA fine-tuning on verified traces",
        description="Train a LoRA adapter. Every config key can be given as a flag after the file: "
        "--learning-rate 1e-4 --lora-r 8 --data traces.jsonl --output-dir out.",
    )
    parser.add_argument("config", metavar="CONFIG.yaml", help="training config (see examples/recipes/)")
    parser.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in output_dir")
    parser.add_argument("overrides", nargs=argparse.REMAINDER, metavar="--key value", help="config overrides")
    parser.set_defaults(handler=_lazy("training.sft.cli", "train_command"))


def _lazy(module: str, function: str):
    def run(args: argparse.Namespace) -> int:
        return getattr(importlib.import_module(module), function)(args)

    return run
