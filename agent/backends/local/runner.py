"""A lean forward pass for Llama-architecture models: fused weights, few ops, growing KV buffers.

On a CPU a 135M model's decode step is bound by reading weights and by
per-op dispatch: transformers' modules spend ~40 small ops per layer. This
runner reads the same weights (with the active LoRA adapter folded in) into
three fused matrices per layer (qkv, gate+up, down) plus the output
projection, and runs each layer in about fifteen ops. Every forward pass of a
turn goes through it, prefill included, so reusing a cached prefix gives the
same numbers as recomputing it. With `int8`, decode steps (a few rows) read
int8 copies of the weights instead (approximate). It knows nothing of
prompts, sampling or adapters beyond reading effective weights; models it
does not support keep the transformers forward.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from transformers.cache_utils import Cache

INT8_ROWS = 16  # forwards of at most this many tokens use the int8 weights


def supported(model: Any) -> bool:
    """Plain Llama: no biases, default RoPE, every layer full attention."""
    config = model.config
    rope = getattr(config, "rope_parameters", None) or getattr(config, "rope_scaling", None) or {}
    return (
        config.model_type == "llama"
        and not getattr(config, "attention_bias", False)
        and not getattr(config, "mlp_bias", False)
        and rope.get("rope_type", "default") == "default"
        and getattr(config, "hidden_act", "silu") == "silu"
    )


def effective_weight(module: Any) -> torch.Tensor:
    """A Linear's weight with its active, enabled LoRA adapters added (unmerged PEFT layers)."""
    base = getattr(module, "base_layer", None)
    if base is None:
        return module.weight.detach()
    weight = base.weight.detach()
    if getattr(module, "disable_adapters", False) or getattr(module, "merged", False):
        return weight
    for name in module.active_adapters:
        if name in getattr(module, "lora_A", {}):
            weight = weight + module.get_delta_weight(name).detach()
    return weight


class Matrix:
    """One fused weight: fp32 for prefill, optionally int8 per-channel for decode steps."""

    def __init__(self, weight: torch.Tensor, int8: bool) -> None:
        self.weight = weight.contiguous()
        self.qweight = self.scales = None
        if int8 and weight.device.type == "cpu":
            scales = weight.abs().amax(dim=1).clamp(min=1e-8) / 127.0
            self.qweight = torch.round(weight / scales[:, None]).clamp(-127, 127).to(torch.int8).contiguous()
            self.scales = scales.to(torch.bfloat16)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if self.qweight is not None and x.shape[0] <= INT8_ROWS:
            out = torch.ops.aten._weight_int8pack_mm(x.to(torch.bfloat16), self.qweight, self.scales)
            return out.to(x.dtype)
        return F.linear(x, self.weight)


@dataclass
class Layer:
    qkv: Matrix
    o: Matrix
    gate_up: Matrix
    down: Matrix
    norm_in: torch.Tensor
    norm_post: torch.Tensor


class LlamaRunner:
    """The forward pass of a Llama model, from its current (adapter-folded) weights."""

    def __init__(self, model: Any, *, int8: bool = False) -> None:
        self.model, self.int8 = model, int8
        config = model.config
        self.heads, self.kv_heads = config.num_attention_heads, config.num_key_value_heads
        self.head_dim = getattr(config, "head_dim", None) or config.hidden_size // self.heads
        self.eps = config.rms_norm_eps
        self._rope(config)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the weights (after an adapter was loaded, switched or removed)."""
        inner = self.model.get_decoder() if hasattr(self.model, "get_decoder") else self.model.model
        self.embed = self.model.get_input_embeddings().weight.detach()
        self.norm = inner.norm.weight.detach()
        self.head = Matrix(effective_weight(self.model.get_output_embeddings()), self.int8)
        self.layers = [self._layer(block) for block in inner.layers]

    def _layer(self, block: Any) -> Layer:
        attn, mlp = block.self_attn, block.mlp
        qkv = torch.cat([effective_weight(attn.q_proj), effective_weight(attn.k_proj), effective_weight(attn.v_proj)])
        gate_up = torch.cat([effective_weight(mlp.gate_proj), effective_weight(mlp.up_proj)])
        return Layer(
            Matrix(qkv, self.int8),
            Matrix(effective_weight(attn.o_proj), self.int8),
            Matrix(gate_up, self.int8),
            Matrix(effective_weight(mlp.down_proj), self.int8),
            block.input_layernorm.weight.detach(),
            block.post_attention_layernorm.weight.detach(),
        )

    def _rope(self, config: Any) -> None:
        rope = getattr(config, "rope_parameters", None) or {}
        theta = rope.get("rope_theta", getattr(config, "rope_theta", 10000.0))
        inv_freq = 1.0 / (theta ** (torch.arange(0, self.head_dim, 2, dtype=torch.int64).float() / self.head_dim))
        positions = torch.arange(config.max_position_embeddings, dtype=torch.float32)
        freqs = torch.outer(positions, inv_freq)
        emb = torch.cat([freqs, freqs], dim=-1)
        device = self.model.device
        self.cos, self.sin = emb.cos().to(device), emb.sin().to(device)

    @torch.no_grad()
    def forward(self, ids: list[int], cache: Cache, keep: int = 0) -> torch.Tensor:
        """Logits [rows, vocab] of the last `keep` positions (0: all), appending `ids` to the cache."""
        start, count = cache.get_seq_length(), len(ids)
        x = self.embed[torch.tensor(ids, device=self.embed.device)]
        cos, sin = self.cos[start : start + count], self.sin[start : start + count]
        mask = _causal_mask(start, count, x.device)
        # SDPA's own causal mask is only right when the queries start at position 0.
        causal = mask is None and count > 1
        for index, layer in enumerate(self.layers):
            x = x + self._attention(layer, _rms(x, layer.norm_in, self.eps), cache, index, (cos, sin), mask, causal)
            x = x + self._mlp(layer, _rms(x, layer.norm_post, self.eps))
        rows = x[-keep:] if keep else x
        return self.head(_rms(rows, self.norm, self.eps))

    def _attention(self, layer: Layer, x, cache: Cache, index: int, rope, mask, causal: bool) -> torch.Tensor:
        count, d = x.shape[0], self.head_dim
        q, k, v = layer.qkv(x).split([self.heads * d, self.kv_heads * d, self.kv_heads * d], dim=-1)
        q = _rotate(q.view(count, self.heads, d).transpose(0, 1), *rope)
        k = _rotate(k.view(count, self.kv_heads, d).transpose(0, 1), *rope)
        v = v.view(count, self.kv_heads, d).transpose(0, 1)
        keys, values = cache.update(k[None], v[None], index)
        out = F.scaled_dot_product_attention(q[None], keys, values, attn_mask=mask, is_causal=causal, enable_gqa=True)
        return layer.o(out[0].transpose(0, 1).reshape(count, self.heads * d))

    def _mlp(self, layer: Layer, x: torch.Tensor) -> torch.Tensor:
        gate, up = layer.gate_up(x).chunk(2, dim=-1)
        return layer.down(F.silu(gate) * up)


def _rms(x: torch.Tensor, weight: torch.Tensor, eps: float) -> torch.Tensor:
    return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def _rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return x * cos + rotated * sin


def _causal_mask(start: int, count: int, device: Any) -> torch.Tensor | None:
    """None when no mask is needed (one query, or a fresh prefill that SDPA masks causally)."""
    if count == 1 or start == 0:
        return None
    keys = torch.arange(start + count, device=device)
    queries = torch.arange(start, start + count, device=device)
    return keys[None, :] <= queries[:, None]
