"""`looptune train estimate-memory` against the measured peak RSS of real training steps on CPU.

Run: `.venv/bin/python bench/train_memory.py --data TRACES.jsonl [--model bundled] [--steps 3] [--lora-layers 12]
[--loss-positions trained|all]`.
A child process trains `--steps` steps (batch 1) on the longest examples of
`--data`, so the activations of the longest sequence are in the peak; the
estimate is computed for that length. Prints estimate, measured and error.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from training.sft.memory import GIB, estimate, from_config


def longest(data: Path, n: int, folder: Path) -> Path:
    rows = sorted(data.read_text().splitlines(), key=len, reverse=True)[:n]
    out = folder / "longest.jsonl"
    out.write_text("\n".join(rows) + "\n")
    return out


def tiny_model(folder: Path) -> str:
    """The test suite's tiny random Llama with the bundled tokenizer (tests/tiny.py)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from agent.models.loader import bundled_tokenizer
    from tests.tiny import save_tiny

    return str(save_tiny(folder / "tiny", bundled_tokenizer()))


def longest_tokens(model: str, rows: list[dict]) -> tuple[int, float, Path]:
    """(tokens of the longest example, its trained share, the model directory) as training encodes them."""
    from agent.models.source import resolve
    from training.sft.data import encode
    from training.sft.model import converted

    directory = converted(resolve(model)).directory
    from transformers import AutoTokenizer

    from agent.toolcalls.template import hermes_template

    tokenizer = AutoTokenizer.from_pretrained(directory)
    example = max((encode(r, tokenizer, hermes_template()) for r in rows), key=lambda e: len(e.input_ids))
    return len(example.input_ids), example.trained_tokens / len(example.input_ids), directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--model", default="bundled", help="bundled, a model directory, or tiny")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--lora-layers", type=int)
    parser.add_argument("--loss-positions", choices=("trained", "all"), default="trained")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        model = tiny_model(folder) if args.model == "tiny" else args.model
        config = {
            "base_model": model,
            "data": str(longest(args.data, args.steps, folder)),
            "output_dir": str(folder / "out"),
            "max_steps": args.steps,
            "grad_accumulation": 1,
            "save_steps": 10_000,
            "max_length": 4096,
            "loss_positions": args.loss_positions,
        }
        if args.lora_layers:
            config["lora_layers"] = args.lora_layers
        (folder / "c.yaml").write_text(yaml.safe_dump(config))
        subprocess.run(
            [sys.executable, "-m", "agent.cli.main", "train", str(folder / "c.yaml")],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        measured = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        rows = [json.loads(line) for line in (folder / "longest.jsonl").read_text().splitlines()]
        seq, share, directory = longest_tokens(model, rows)
        scored = share if args.loss_positions == "trained" else 1.0
        guess = estimate(from_config(directory), seq=seq, lora_layers=args.lora_layers, scored=scored)
    print(
        f"model {args.model}, longest example {seq} tokens ({share:.0%} trained), "
        f"lora_layers {args.lora_layers or 'all'}, loss on {args.loss_positions} positions"
    )
    print(
        f"estimate {guess.total / GIB:.2f} GiB  measured peak RSS {measured / GIB:.2f} GiB  "
        f"error {100 * (guess.total - measured) / measured:+.0f}%"
    )


if __name__ == "__main__":
    main()
