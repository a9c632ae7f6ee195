"""Int8 weight-only decoding: the same Linear layers, reading a quarter of the bytes per token.

Decode on a CPU is bound by reading weights. `Int8Linear` keeps the fp32
weight (prefill, training and PEFT use it unchanged) and adds an int8 copy
with one scale per output channel, used when only a few rows go through (a
decode step or a short draft). It subclasses `nn.Linear`, so LoRA adapters
wrap it like any Linear. It knows nothing of prompts, caches or adapters.
"""

from __future__ import annotations

import torch
from torch import nn

DECODE_ROWS = 16  # at most this many tokens per forward take the int8 path


class Int8Linear(nn.Linear):
    """A Linear with an int8 per-channel copy of its weight for small batches."""

    @classmethod
    def wrap(cls, linear: nn.Linear) -> Int8Linear:
        """Share `linear`'s parameters and add the int8 copy."""
        new = cls.__new__(cls)
        nn.Module.__init__(new)
        new.in_features, new.out_features = linear.in_features, linear.out_features
        new.weight, new.bias = linear.weight, linear.bias
        weight = linear.weight.detach().float()
        scales = weight.abs().amax(dim=1).clamp(min=1e-8) / 127.0
        quantized = torch.round(weight / scales[:, None]).clamp(-127, 127).to(torch.int8)
        new.register_buffer("qweight", quantized.contiguous(), persistent=False)
        new.register_buffer("scales", scales.to(torch.bfloat16), persistent=False)
        return new

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows = x.numel() // x.shape[-1]
        if rows > DECODE_ROWS or self.bias is not None or x.device.type != "cpu":
            return super().forward(x)
        flat = x.reshape(rows, x.shape[-1]).to(torch.bfloat16)
        out = torch.ops.aten._weight_int8pack_mm(flat, self.qweight, self.scales)
        return out.to(x.dtype).reshape(*x.shape[:-1], self.out_features)


def int8_decoding(model: nn.Module) -> int:
    """Swap every plain Linear for an Int8Linear in place; returns how many were swapped."""
    swapped = 0
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if type(child) is nn.Linear:
                setattr(parent, name, Int8Linear.wrap(child))
                swapped += 1
    return swapped
