"""How much memory LoRA / QLoRA fine-tuning needs, before trying: the seeds' `monitor_gpu.py estimate`.

weights (by quantisation) + LoRA parameters + their gradients and AdamW
states + activations kept for backward (per layer per token ~34 x hidden
values at the compute precision, ~2 x hidden with checkpointing, plus the
logits and the copies the loss makes of them, at every position or, with
`loss_positions: trained`, at the trained share) + a fixed runtime overhead. The architecture comes from a model's
config.json or, with `--params` only, from the llama-family proportions
(hidden = 128 x layers, intermediate = 8/3 x hidden). Arithmetic only: no
torch, no weights loaded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

GIB = 2**30
WEIGHT_BYTES = {"none": 4.0, "bf16": 2.0, "8bit": 1.0, "4bit": 0.5 + 0.5 / 64 * 2}  # NF4 + its absmax constants
RUNTIME_BYTES = {"cpu": 0.7 * GIB, "cuda": 0.9 * GIB}  # interpreter, torch, transformers, TRL, allocator slack
# Full-vocabulary fp32 tensors alive at the loss: logits, their upcast copy, log-softmax, its gradient, and the
# softmax TRL's entropy / token-accuracy logging takes (measured here with bench/train_memory.py).
LOGIT_COPIES = 6
LORA_MODULES = 7  # q, k, v, o, gate, up, down


@dataclass
class Shape:
    params: float
    layers: int
    hidden: int
    intermediate: int
    vocab: int
    kv_ratio: float = 1.0  # key/value heads / attention heads


def from_config(path: Path) -> Shape:
    """The shape of a model directory's config.json (Llama-style keys)."""
    return shape_of(json.loads((path / "config.json").read_text(encoding="utf-8")))


def shape_of(data: dict) -> Shape:
    """The shape described by a model config's keys (Llama-style)."""
    hidden, layers = data["hidden_size"], data["num_hidden_layers"]
    inter, vocab = data.get("intermediate_size", 4 * hidden), data.get("vocab_size", 32000)
    kv = data.get("num_key_value_heads", data.get("num_attention_heads", 1)) / data.get("num_attention_heads", 1)
    attention = hidden * hidden * (2 + 2 * kv)
    params = layers * (attention + 3 * hidden * inter) + vocab * hidden * (1 if data.get("tie_word_embeddings") else 2)
    return Shape(params, layers, hidden, inter, vocab, kv)


def from_params(params: float) -> Shape:
    """A llama-family shape for a parameter count (hidden = 128 x layers)."""
    layers = max(1, round((params / (12 * 128**2)) ** (1 / 3)))
    hidden = 128 * layers
    return Shape(params, layers, hidden, int(hidden * 8 / 3), 32000)


@dataclass
class Estimate:
    weights: float
    lora: float
    optimizer: float
    activations: float
    runtime: float

    @property
    def total(self) -> float:
        return self.weights + self.lora + self.optimizer + self.activations + self.runtime


def lora_params(shape: Shape, rank: int, layers: int | None = None) -> float:
    """LoRA parameters on all seven projections of `layers` layers (all by default)."""
    h, i, kv = shape.hidden, shape.intermediate, shape.kv_ratio
    per_layer = rank * ((h + h) * 2 + (h + h * kv) * 2 + (h + i) * 3)
    return per_layer * (layers or shape.layers)


def estimate(
    shape: Shape,
    *,
    quant: str = "none",
    rank: int = 16,
    batch: int = 1,
    seq: int = 1024,
    checkpointing: bool = False,
    device: str = "cpu",
    lora_layers: int | None = None,
    scored: float = 1.0,
) -> Estimate:
    """Bytes needed for one training step of this shape and setting (`scored`: share of positions the loss scores)."""
    compute = 4.0 if device == "cpu" else 2.0  # fp32 on CPU, bf16 on CUDA
    weights = shape.params * (WEIGHT_BYTES[quant] if quant != "none" else compute)
    trainable = lora_params(shape, rank, lora_layers)
    optimizer_state = 2.0 if quant == "4bit" else 8.0  # paged 8-bit AdamW with QLoRA, fp32 AdamW otherwise
    tokens = batch * seq
    kept_layers = lora_layers or shape.layers  # backprop stops below the lowest LoRA layer
    per_layer = (2 if checkpointing else 34) * shape.hidden * compute
    logits = tokens * scored * shape.vocab * 4.0 * LOGIT_COPIES
    activations = tokens * per_layer * kept_layers + logits
    return Estimate(weights, trainable * 4.0, trainable * (4.0 + optimizer_state), activations, RUNTIME_BYTES[device])


def table(result: Estimate) -> list[tuple[str, str]]:
    """Rows for printing: each part and the total, in GiB."""
    parts = ("weights", "lora", "optimizer", "activations", "runtime")
    rows = [(name, f"{getattr(result, name) / GIB:.2f} GiB") for name in parts]
    return [*rows, ("total", f"{result.total / GIB:.2f} GiB")]
