"""Training throughput: real (non-padding) tokens per second of our recipe vs TRL's defaults, same data, same run.

Run: `.venv/bin/python bench/train_throughput.py --data TRACES.jsonl [--examples 48] [--model bundled]`.
Baseline: TRL SFTTrainer on the conversational rows (messages + tools) with
its own tokenization, `assistant_only_loss`, LoRA on every layer, batches of
4 padded to their longest row, no packing. Ours: examples pre-encoded and
mask-checked (training.sft.data), batch 1 with gradient accumulation (no
padding at all), LoRA on the top 12 layers (backprop stops there). Both run
the same number of examples, in this process, one after the other; target
ratio >= 1.5x.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from training.sft.config import TrainConfig
from training.sft.data import load_examples
from training.sft.model import load_base
from training.sft.trainer import train


def ours(data: Path, model: str, examples: int, out: Path) -> tuple[float, int]:
    config = TrainConfig(
        base_model=model,
        data=[str(data)],
        output_dir=str(out),
        lora_layers=12,
        batch_size=1,
        grad_accumulation=4,
        max_examples=examples,
        max_steps=examples // 4,
        save_steps=10_000,
        logging_steps=1,
        max_length=1600,
    )
    base = load_base(model)
    items = load_examples(config.data, base.tokenizer, base.template, config.max_length).examples[:examples]
    began = time.perf_counter()
    train(config, base, items, [])
    return time.perf_counter() - began, sum(len(e.input_ids) for e in items)


def trl_default(data: Path, model: str, examples: int, out: Path) -> tuple[float, int]:
    from datasets import Dataset
    from peft import LoraConfig
    from trl import SFTConfig, SFTTrainer

    base = load_base(model)
    rows = [json.loads(line) for line in data.read_text().splitlines()[:examples]]
    for row in rows:
        row.pop("meta", None)
        for message in row["messages"]:  # TRL's templates want arguments as objects
            for call in message.get("tool_calls") or []:
                call["function"]["arguments"] = json.loads(call["function"]["arguments"])
    dataset = Dataset.from_list([{"messages": r["messages"], "tools": r["tools"]} for r in rows])
    args = SFTConfig(
        output_dir=str(out),
        per_device_train_batch_size=4,
        gradient_accumulation_steps=1,
        max_steps=examples // 4,
        assistant_only_loss=True,
        packing=False,
        max_length=1600,
        save_strategy="no",
        report_to=[],
        use_cpu=True,
        disable_tqdm=True,
        logging_steps=1,
    )
    lora = LoraConfig(
        r=16,
        lora_alpha=32,
        target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        task_type="CAUSAL_LM",
    )
    trainer = SFTTrainer(
        model=base.model, args=args, train_dataset=dataset, processing_class=base.tokenizer, peft_config=lora
    )
    tokens = sum(len(ids) for ids in trainer.train_dataset["input_ids"])
    began = time.perf_counter()
    trainer.train()
    return time.perf_counter() - began, tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="oracle traces (looptune traces generate)")
    parser.add_argument("--examples", type=int, default=48)
    parser.add_argument("--model", default="bundled")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base_s, base_tokens = trl_default(args.data, args.model, args.examples, Path(folder) / "trl")
        ours_s, our_tokens = ours(args.data, args.model, args.examples, Path(folder) / "ours")
    base_rate, our_rate = base_tokens / base_s, our_tokens / ours_s
    print(f"TRL default (batch 4 padded, all layers): {base_tokens} tokens in {base_s:.0f} s = {base_rate:.0f} tok/s")
    print(f"ours (batch 1, top 12 layers):            {our_tokens} tokens in {ours_s:.0f} s = {our_rate:.0f} tok/s")
    print(f"ratio {our_rate / base_rate:.2f}x")


if __name__ == "__main__":
    main()
