"""`looptune train CONFIG.yaml [--key value ...] [--resume]`, `train merge|export|estimate-memory`: flags only.

The flags (and the `--key value` config overrides after the file) become a
typed `TrainConfig` or typed arguments; the work is in `training.sft`,
imported when a subcommand runs. The two-word commands are parsers of their
own, reached through `agent.cli.argv.route`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from agent.cli.argv import positive_int
from agent.cli.errors import CliError

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
    parser.add_argument(
        "--events",
        metavar="FILE",
        help="append progress as JSON lines (start, metrics, checkpoint, stopped, done) for a supervisor to tail",
    )
    parser.add_argument(
        "--stop-file",
        metavar="FILE",
        help="when FILE appears, save a checkpoint and stop (exit 3); --resume continues the run",
    )
    parser.add_argument("overrides", nargs=argparse.REMAINDER, metavar="--key value", help="config overrides")
    parser.set_defaults(handler=train_command)
    _merge(sub.add_parser(MERGE, prog="looptune train merge", help="fold a LoRA adapter into its base model"))
    _export(sub.add_parser(EXPORT, prog="looptune train export", help="an adapter as a compact folder to ship"))
    _memory(sub.add_parser(MEMORY, prog="looptune train estimate-memory", help="memory a fine-tune will need"))


def train_command(args: argparse.Namespace) -> int:
    """The config file with the overrides applied, trained; `--resume` and `--push-to` may also come after them."""
    from training.sft.cli import run_training
    from training.sft.config import load_config
    from training.sft.monitor import Monitor

    words = list(args.overrides)
    resume = args.resume or "--resume" in words  # REMAINDER swallows a --resume given after overrides
    words = [w for w in words if w != "--resume"]
    words, push = _push_target(words)
    push = push or (tuple(args.push_to) if args.push_to else None)
    config = load_config(args.config, parse_overrides(words))
    monitor = Monitor(_path(args.events), _path(args.stop_file))
    return run_training(config, resume=resume, push=push, monitor=monitor)


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def parse_overrides(words: list[str]) -> dict[str, str]:
    """`--key value` pairs (also `--key=value`) after the config file; a lone flag is an error."""
    overrides: dict[str, str] = {}
    i = 0
    while i < len(words):
        word = words[i]
        if not word.startswith("--"):
            raise CliError(f"expected --key value, got {word!r}", code=2)
        if "=" in word:
            key, value = word[2:].split("=", 1)
            i += 1
        elif i + 1 < len(words):
            key, value = word[2:], words[i + 1]
            i += 2
        else:
            raise CliError(f"--{word[2:]} needs a value", code=2)
        overrides[key] = value
    return overrides


def _push_target(words: list[str]) -> tuple[list[str], tuple[str, str] | None]:
    """`--push-to URL NAME` taken out of the override words."""
    if "--push-to" not in words:
        return words, None
    at = words.index("--push-to")
    if len(words) - at < 3:
        raise CliError("--push-to needs a base URL and an adapter name: --push-to http://host:8000/v1 NAME", code=2)
    return words[:at] + words[at + 3 :], (words[at + 1], words[at + 2])


def _merge(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("adapter", metavar="ADAPTER", help="a LoRA adapter directory (looptune train output)")
    parser.add_argument("-o", "--output", required=True, metavar="DIR", help="where the merged model goes")
    parser.add_argument("--format", choices=("hf", "gguf"), default="hf", help="gguf: also DIR/model-f32.gguf")
    parser.set_defaults(handler=_run_merge)


def _run_merge(args: argparse.Namespace) -> int:
    from training.sft.cli_tools import run_merge

    return run_merge(args.adapter, args.output, gguf=args.format == "gguf")


def _export(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("adapter", metavar="ADAPTER", help="a LoRA adapter directory (looptune train output)")
    parser.add_argument("-o", "--output", required=True, metavar="DIR", help="where the exported adapter goes")
    parser.add_argument("--dtype", choices=("bf16", "fp16", "fp32"), default="bf16", help="weights (default bf16)")
    parser.set_defaults(handler=_run_export)


def _run_export(args: argparse.Namespace) -> int:
    from training.sft.cli_tools import run_export

    return run_export(args.adapter, args.output, dtype=args.dtype)


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
    parser.set_defaults(handler=_run_memory)


def _run_memory(args: argparse.Namespace) -> int:
    from training.sft.cli_tools import run_memory

    if (args.model is None) == (args.params is None):
        raise CliError("give exactly one of --model DIR or --params N (e.g. --params 7e9)", code=2)
    return run_memory(
        args.model if args.model is not None else args.params,
        quant=args.quant,
        rank=args.lora_r,
        batch=args.batch,
        seq=args.seq,
        checkpointing=args.grad_checkpointing,
        device=args.device,
        lora_layers=args.lora_layers,
        scored=args.scored_share,
    )
