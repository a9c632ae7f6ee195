"""A trained adapter as a compact folder to ship: its weights cast to a smaller float type, its card and config.

The folder holds what `--adapter DIR` needs (adapter_config.json +
adapter_model.safetensors) and what a reader needs (README.md model card,
chat_template.jinja it was trained with, train_config.yaml, loss.png);
checkpoints, logs and tokenizer files stay behind. PEFT casts bf16/fp16 LoRA weights back to the base model's float32
when it loads them, so the smaller file costs only the rounding. The folder
is built aside and renamed into place: a failed export leaves the old one.
It knows nothing of training.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from agent.errors import USAGE, LooptuneError

WEIGHTS = "adapter_model.safetensors"
COMPANIONS = ("adapter_config.json", "chat_template.jinja", "README.md", "train_config.yaml", "loss.png")
DTYPES = ("bf16", "fp16", "fp32")


class ExportError(LooptuneError, ValueError):
    """An adapter folder that cannot be exported; the message names it."""

    exit_code = USAGE


def export_adapter(source: Path, target: Path, dtype: str = "bf16") -> int:
    """Write `source`'s adapter into `target` with weights in `dtype`; returns the weights' size in bytes."""
    if not (source / WEIGHTS).is_file() or not (source / "adapter_config.json").is_file():
        raise ExportError(f"{source}: not an adapter folder (needs {WEIGHTS} and adapter_config.json)")
    if dtype not in DTYPES:
        raise ExportError(f"dtype {dtype!r}: use one of {', '.join(DTYPES)}")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        _cast(source / WEIGHTS, staging / WEIGHTS, dtype)
        for name in COMPANIONS:
            if (source / name).is_file():
                shutil.copy2(source / name, staging / name)
        _replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return (target / WEIGHTS).stat().st_size


def _cast(source: Path, target: Path, dtype: str) -> None:
    import torch
    from safetensors.torch import load_file, save_file

    kind = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[dtype]
    tensors = {name: t.to(kind) if t.is_floating_point() else t for name, t in load_file(source).items()}
    save_file(tensors, target, metadata={"format": "pt"})
    target.chmod(0o644)  # safetensors writes 0600; a shipped file is read by everyone


def _replace(staging: Path, target: Path) -> None:
    """Put `staging` where `target` is, keeping the old folder until the new one is in place."""
    staging.chmod(0o755)  # mkdtemp makes it 0700; a shipped folder is read by everyone
    if not target.exists():
        staging.rename(target)
        return
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
