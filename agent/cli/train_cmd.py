"""`looptune train CONFIG.yaml [--key value ...] [--resume]`, `train merge`, `train estimate-memory`: flags only.

The work is in `training.sft`, imported when a subcommand runs. The two-word
commands are parsers of their own, reached through `agent.cli.argv.route`.
"""

from __future__ import annotations

import argparse

from agent.cli.argv import lazy, positive_int

MERGE, MEMORY = "train merge", "train estimate-memory"
COMPOUNDS = {MERGE, MEMORY}


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
    parser.set_defaults(handler=lazy("training.sft.cli", "train_command"))
    _merge(sub.add_parser(MERGE, prog="looptune train merge", help="fold a LoRA adapter into its base model"))
    _memory(sub.add_parser(MEMORY, prog="looptune train estimate-memory", help="memory a fine-tune will need"))


def _merge(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("adapter", metavar="ADAPTER", help="a LoRA adapter directory (looptune train output)")
    parser.add_argument("-o", "--output", required=True, metavar="DIR", help="where the merged model goes")
    parser.add_argument("--format", choices=("hf", "gguf"), default="hf", help="gguf: also DIR/model-f32.gguf")
    parser.set_defaults(handler=lazy("training.sft.cli_tools", "merge_command"))


def _memory(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help="a model directory, .gguf or bundled (its config.json gives the shape)")
    parser.add_argument("--params", type=float, help="parameter count instead of a model, e.g. 7e9")
    parser.add_argument("--quant", choices=("none", "bf16", "8bit", "4bit"), default="none", help="base weights")
    parser.add_argument("--lora-r", type=positive_int, default=16)
    parser.add_argument("--lora-layers", type=positive_int, help="LoRA on the top N layers only")
    parser.add_argument("--batch", type=positive_int, default=1)
    parser.add_argument("--seq", type=positive_int, default=1024, help="tokens per example")
    parser.add_argument("--grad-checkpointing", action="store_true")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.set_defaults(handler=lazy("training.sft.cli_tools", "memory_command"))
