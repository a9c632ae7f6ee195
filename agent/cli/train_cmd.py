"""`looptune train CONFIG.yaml [--key value ...] [--resume]`, `train merge|export|estimate-memory`: flags only.

The work is in `training.sft`, imported when a subcommand runs. The two-word
commands are parsers of their own, reached through `agent.cli.argv.route`.
"""

from __future__ import annotations

import argparse

from agent.cli.argv import lazy, positive_int

MERGE, EXPORT, MEMORY = "train merge", "train export", "train estimate-memory"
COMPOUNDS = {MERGE, EXPORT, MEMORY}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "train",
        help="LoRA / QLoRA fine-tuning on verified traces",
        description="Train a LoRA adapter. Every config key can be given as a flag after the file: "
        "--learning-rate 1e-4 --lora-r 8 --data traces.jsonl --output-dir out.",
    )
    parser.add_argument("config", metavar="CONFIG.yaml", help="training config (see examples/recipes/)")
    parser.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in output_dir")
    parser.add_argument(
        "--push-to",
        nargs=2,
        metavar=("URL", "NAME"),
        help="after training, hot-load the adapter as NAME into a running vLLM or looptune serve at URL",
    )
    parser.add_argument("overrides", nargs=argparse.REMAINDER, metavar="--key value", help="config overrides")
    parser.set_defaults(handler=lazy("training.sft.cli", "train_command"))
    _merge(sub.add_parser(MERGE, prog="looptune train merge", help="fold a LoRA adapter into its base model"))
    _export(sub.add_parser(EXPORT, prog="looptune train export", help="an adapter as a compact folder to ship"))
    _memory(sub.add_parser(MEMORY, prog="looptune train estimate-memory", help="memory a fine-tune will need"))


def _merge(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("adapter", metavar="ADAPTER", help="a LoRA adapter directory (looptune train output)")
    parser.add_argument("-o", "--output", required=True, metavar="DIR", help="where the merged model goes")
    parser.add_argument("--format", choices=("hf", "gguf"), default="hf", help="gguf: also DIR/model-f32.gguf")
    parser.set_defaults(handler=lazy("training.sft.cli_tools", "merge_command"))


def _export(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("adapter", metavar="ADAPTER", help="a LoRA adapter directory (looptune train output)")
    parser.add_argument("-o", "--output", required=True, metavar="DIR", help="where the exported adapter goes")
    parser.add_argument("--dtype", choices=("bf16", "fp16", "fp32"), default="bf16", help="weights (default bf16)")
    parser.set_defaults(handler=lazy("training.sft.cli_tools", "export_command"))


def _share(text: str) -> float:
    value = float(text)
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text}: a share in (0, 1]")
    return value


def _memory(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help="a model directory, .gguf or bundled (its config.json gives the shape)")
    parser.add_argument("--params", type=float, help="parameter count instead of a model, e.g. 7e9")
    parser.add_argument("--quant", choices=("none", "bf16", "8bit", "4bit"), default="none", help="base weights")
    parser.add_argument("--lora-r", type=positive_int, default=16)
    parser.add_argument("--lora-layers", type=positive_int, help="LoRA on the top N layers only")
    parser.add_argument("--batch", type=positive_int, default=1)
    parser.add_argument("--seq", type=positive_int, default=1024, help="tokens per example")
    parser.add_argument("--grad-checkpointing", action="store_true")
    parser.add_argument(
        "--scored-share",
        type=_share,
        default=1.0,
        metavar="F",
        help="share of positions the loss scores: 1 = all (TRL's loss); with loss_positions: trained, the data's "
        "trained share (looptune train prints it; ~0.1 for tool-use traces)",
    )
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.set_defaults(handler=lazy("training.sft.cli_tools", "memory_command"))
