"""The base model and tokenizer for training: `bundled`, a directory or a GGUF, on the right device and dtype.

fp32 on CPU (several times faster than bf16 without AMX), bf16 on CUDA;
QLoRA loads the base in NF4 with double quantization, which bitsandbytes can
do only on CUDA, so asking for it on CPU is a clear error. The tokenizer gets
the project's tool template as its chat template, so the saved adapter
directory carries the exact template it was trained with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent.errors import USAGE, LooptuneError
from agent.models.loader import load_model
from agent.models.source import ModelSource, resolve
from agent.toolcalls.template import choose


class ModelError(LooptuneError, ValueError):
    """A base model that cannot be trained here; one line saying why."""

    exit_code = USAGE


@dataclass
class Base:
    model: Any
    tokenizer: Any
    source: ModelSource
    template: str
    device: str


def load_base(spec: str, *, qlora: bool = False) -> Base:
    """Load the base for training (weights trainable-ready, template set on the tokenizer)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    device = "cuda" if torch.cuda.is_available() else "cpu"
    if qlora and device != "cuda":
        raise ModelError("qlora: true needs a CUDA GPU (bitsandbytes NF4 + paged 8-bit AdamW); this machine has none")
    source = converted(resolve(spec))
    tokenizer = AutoTokenizer.from_pretrained(source.directory)
    template, _ = choose(getattr(tokenizer, "chat_template", None))
    tokenizer.chat_template = template
    model = AutoModelForCausalLM.from_pretrained(source.directory, **_load_kwargs(device, qlora))
    if device == "cuda" and not qlora:
        # transformers wraps `to` in functools.wraps, which typeshed types as a plain callable, not a method:
        # mypy then takes `device` for `self`
        model.to(device)  # type: ignore[arg-type]
    return Base(model, tokenizer, source, template, device)


def converted(source: ModelSource) -> ModelSource:
    """A loadable directory for `source`: a GGUF (the bundled model) is dequantised once, in the backend's cache."""
    if source.gguf_file is None:
        return source
    return load_model(source, device="cpu").source


def _load_kwargs(device: str, qlora: bool) -> dict[str, Any]:
    import torch

    if not qlora:
        return {"dtype": torch.bfloat16 if device == "cuda" else torch.float32}
    from transformers import BitsAndBytesConfig

    quant = BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.bfloat16,
    )
    return {"quantization_config": quant, "dtype": torch.bfloat16, "device_map": {"": 0}}
