"""The weights the lean runner multiplies by: fp32, or weight-only int8 / int4 for few-row forwards.

A decode step multiplies a handful of rows by every weight of the model, so
on a CPU it is bound by reading those weights: int8 reads a quarter of fp32's
bytes, int4 an eighth. Forwards of more than `QUANT_ROWS` rows (a prefill
chunk, a large batch) keep the fp32 weights, which are exact and, for that
many rows, compute-bound anyway.

A LoRA adapter stays unmerged on the quantized path: its delta is far below
the quantization step of the base weights, so folding it in first would round
most of it away. The quantized base plus the adapter's two small fp32 factors
keep it whole, so one quantized base serves any adapter (as QLoRA trains).
The fp32 path folds the adapter in (one matmul instead of three).

A model converted from a Q4_1 GGUF (the bundled one) holds exactly the values
the GGUF stored in groups of 32, so int4 with groups of 32 gives them back up
to the bf16 rounding of each group's scale and offset. This module knows
nothing of layers, caches or prompts.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from agent.backends.local.options import Quant

# Forwards of at most this many rows use the quantized weights. Measured on the bundled model here: int4 is
# faster than fp32 up to ~28 rows (8 rows: 49 vs 87 ms; 24: 97 vs 112; 32: 138 vs 133), then fp32 wins.
QUANT_ROWS = 24
INT4_GROUP = 32  # the GGUF's own block size: Q4_1 blocks come back exactly


class Lora:
    """An unmerged LoRA delta of a (fused) projection: x -> (x @ a.T) @ b.T, the scaling folded into `b`."""

    def __init__(self, a: torch.Tensor, b: torch.Tensor) -> None:
        self.a, self.b = a, b  # [rank, in], [out, rank]
        # Kept transposed and contiguous: two plain matmuls per call, no transposes on the decode path.
        self.a_t, self.b_t = a.t().contiguous(), b.t().contiguous()

    def delta(self) -> torch.Tensor:
        return self.b @ self.a

    def __call__(self, x: torch.Tensor, base: torch.Tensor) -> torch.Tensor:
        return torch.addmm(base, x @ self.a_t, self.b_t)


def base_weight(module: Any) -> torch.Tensor:
    """A Linear's own weight, without any LoRA adapter."""
    base = getattr(module, "base_layer", None)
    return (module if base is None else base).weight.detach()


def lora_factors(module: Any) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(A, B * scaling) of each active, enabled, unmerged LoRA adapter of a PEFT Linear (none: []).

    DoRA and other variants whose delta is not B @ A give one (delta, identity)
    pair: still exact, just not low-rank.
    """
    if getattr(module, "base_layer", None) is None or getattr(module, "disable_adapters", False):
        return []
    if getattr(module, "merged", False):
        return []
    factors = []
    for name in module.active_adapters:
        if name not in getattr(module, "lora_A", {}):
            continue
        if getattr(module, "use_dora", {}).get(name) or getattr(module, "fan_in_fan_out", False):
            delta = module.get_delta_weight(name).detach()
            factors.append((torch.eye(delta.shape[1], dtype=delta.dtype, device=delta.device), delta))
            continue
        a = module.lora_A[name].weight.detach()
        b = module.lora_B[name].weight.detach() * module.scaling[name]
        factors.append((a, b))
    return factors


def fused_lora(modules: list[Any]) -> Lora | None:
    """One Lora for projections fused along the output (qkv, gate+up): A stacked, B block-diagonal."""
    outs = [base_weight(m).shape[0] for m in modules]
    parts = [lora_factors(m) for m in modules]
    if not any(parts):
        return None
    a = torch.cat([fa for part in parts for fa, _ in part])
    b = a.new_zeros(sum(outs), a.shape[0])
    row = col = 0
    for out, part in zip(outs, parts, strict=True):
        for _, fb in part:
            b[row : row + out, col : col + fb.shape[1]] = fb
            col += fb.shape[1]
        row += out
    return Lora(a, b)


class Int8:
    """Per-output-channel symmetric int8 (torch's packed int8 matmul, bf16 activations)."""

    def __init__(self, weight: torch.Tensor) -> None:
        scales = weight.abs().amax(dim=1).clamp(min=1e-8) / 127.0
        self.q = torch.round(weight / scales[:, None]).clamp(-127, 127).to(torch.int8).contiguous()
        self.scales = scales.to(torch.bfloat16)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ops.aten._weight_int8pack_mm(x.to(torch.bfloat16), self.q, self.scales).to(x.dtype)


class Int4:
    """Asymmetric int4 in groups of `INT4_GROUP` along the input (torch's packed int4 CPU matmul)."""

    def __init__(self, weight: torch.Tensor) -> None:
        out, inp = weight.shape
        groups = weight.reshape(out, inp // INT4_GROUP, INT4_GROUP)
        low, high = groups.amin(-1, keepdim=True), groups.amax(-1, keepdim=True)
        scale = (high - low).clamp(min=1e-8) / 15
        q = ((groups - low) / scale).round().clamp(0, 15).to(torch.int32).reshape(out, inp)
        # The kernel computes (q - 8) * scale + zero, so zero is the group's minimum moved up by 8 steps.
        zero = low + 8 * scale
        self.scales_and_zeros = torch.cat([scale, zero], -1).transpose(0, 1).contiguous().to(torch.bfloat16)
        self.packed = torch.ops.aten._convert_weight_to_int4pack_for_cpu(q, 2)

    @staticmethod
    def fits(weight: torch.Tensor) -> bool:
        out, inp = weight.shape
        return inp % INT4_GROUP == 0 and out % 16 == 0

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.ops.aten._weight_int4pack_mm_for_cpu(
            x.to(torch.bfloat16), self.packed, INT4_GROUP, self.scales_and_zeros
        )
        return y.to(x.dtype)


class Matrix:
    """One (fused) projection: fp32 with the adapter folded in, plus a quantized base and the unmerged
    adapter for forwards of few rows."""

    def __init__(self, modules: list[Any], quant: Quant = "fp32") -> None:
        base = torch.cat([base_weight(m) for m in modules]) if len(modules) > 1 else base_weight(modules[0])
        self.lora = fused_lora(modules)
        folded = base if self.lora is None else base + self.lora.delta()
        self.weight = folded.contiguous()
        self.quantized = _quantize(base, quant) if base.device.type == "cpu" else None
        self.kind: Quant = "fp32" if self.quantized is None else quant

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if self.quantized is None or x.shape[0] > QUANT_ROWS:
            return F.linear(x, self.weight)
        y = self.quantized(x)
        return y if self.lora is None else self.lora(x, y)


def _quantize(weight: torch.Tensor, quant: Quant) -> Int8 | Int4 | None:
    if quant == "int4" and Int4.fits(weight):
        return Int4(weight)
    if quant in ("int8", "int4"):  # a shape the int4 kernel cannot take falls back to int8, not to fp32
        return Int8(weight)
    return None
