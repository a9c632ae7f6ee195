"""What a training run leaves in its output directory, beside its checkpoints.

    adapter_model.safetensors, adapter_config.json   the LoRA (loads with --adapter OUT)
    tokenizer files, chat_template.jinja              the template it was trained with
    train_config.yaml                                 the resolved config (written first)
    train_log.jsonl, loss.png                         every logged step, and the loss curve
    README.md                                         the model card

It knows nothing of how training ran, only its results.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from agent.fsutil import atomic_write_text
from eval.report.environment import hardware, versions
from training.sft.config import TrainConfig
from training.sft.data import DataReport, Example
from training.sft.model import Base
from training.sft.plot import loss_png
from training.sft.trainer import TrainResult


def write_outputs(
    trainer: Any, result: TrainResult, config: TrainConfig, base: Base, data: DataReport, trained: list[Example]
) -> Path:
    """Save the final adapter and its companions into `config.output_dir`; returns that directory."""
    out = Path(config.output_dir)
    trainer.model.save_pretrained(out)
    _name_base(out / "adapter_config.json", config.base_model)
    base.tokenizer.save_pretrained(out)
    lines = "".join(json.dumps(entry) + "\n" for entry in result.log)
    atomic_write_text(out / "train_log.jsonl", lines)
    losses = [(e["step"], e["loss"]) for e in result.log if "loss" in e]
    evals = [(e["step"], e["eval_loss"]) for e in result.log if "eval_loss" in e]
    if losses:
        (out / "loss.png").write_bytes(loss_png(losses, evals))
    atomic_write_text(out / "README.md", model_card(result, config, base, data, trained))
    return out


def _name_base(config_file: Path, spec: str) -> None:
    """Record the base as the user named it: `bundled` must resolve on any machine, a cache path would not."""
    if spec != "bundled":
        return
    data = json.loads(config_file.read_text(encoding="utf-8"))
    data["base_model_name_or_path"] = spec
    atomic_write_text(config_file, json.dumps(data, indent=2) + "\n")


def model_card(result: TrainResult, config: TrainConfig, base: Base, data: DataReport, trained: list[Example]) -> str:
    """A markdown model card: base, data, config, losses, time, hardware (eval appended later if asked)."""
    losses = [e["loss"] for e in result.log if "loss" in e]
    evals = [e["eval_loss"] for e in result.log if "eval_loss" in e]
    skipped = ", ".join(f"{k}: {v}" for k, v in data.skipped.items()) or "none"
    categories = ", ".join(f"{k} {v}" for k, v in sorted(Counter(e.category for e in trained).items()))
    hw, v = hardware(), versions()
    rows = [
        f"# LoRA adapter for {base.source.name}",
        "",
        f"Trained with `looptune train` on {datetime.now(UTC).date().isoformat()}.",
        "",
        "| | |",
        "|---|---|",
        f"| base model | {base.source.name} (`{config.base_model}`) |",
        f"| data | {', '.join(config.data)} |",
        f"| examples | {len(trained)} trained on ({categories}); skipped: {skipped} |",
        f"| LoRA | r {config.lora_r}, alpha {config.lora_alpha}, dropout {config.lora_dropout}, "
        f"{', '.join(config.target_modules)} |",
        f"| steps | {result.steps} (batch {config.batch_size} x accumulation {config.grad_accumulation}, "
        f"lr {config.learning_rate} {config.lr_scheduler}) |",
        f"| final train loss | {losses[-1]:.4f} |" if losses else "| final train loss | - |",
        f"| final eval loss | {evals[-1]:.4f} |" if evals else "| final eval loss | - |",
        f"| time | {result.seconds / 60:.1f} min, {result.tokens_per_s:.0f} tokens/s |",
        f"| hardware | {hw['cpu']}, {hw['cpus']} CPUs, GPU: {hw['gpu'] or 'none'} |",
        f"| versions | torch {v['torch']}, transformers {v['transformers']}, peft {v['peft']}, trl {v['trl']} |",
        "",
        "Serve it: `looptune chat --adapter " + config.output_dir + "`. The chat template it was trained with is",
        "`chat_template.jinja` here (the tool-call parser is hermes).",
        "",
        "## Config",
        "",
        "```yaml",
        yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False).rstrip(),
        "```",
        "",
    ]
    return "\n".join(rows)
