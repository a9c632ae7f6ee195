"""A lean forward pass for Llama-architecture models: fused weights, few ops, several sequences at once.

On a CPU a 135M model's decode step is bound by reading weights and by
per-op dispatch: transformers' modules spend ~40 small ops per layer. This
runner reads the same weights into three fused matrices per layer (qkv,
gate+up, down) plus the output projection (see `weights`: fp32 with the
active LoRA adapter folded in, optionally int8/int4 for forwards of few
rows), and runs each layer in about fifteen ops.

`forward_many` runs several sequences in one pass: their rows are stacked for
every matrix multiply, so the weights are read once for all of them, and only
attention runs per sequence, each against its own KV cache. A decode step of
four sequences costs little more than one. Every forward pass of a turn goes
through here, prefill included, so a cached prefix gives the same numbers as
recomputing it. It knows nothing of prompts, sampling or adapters beyond
reading effective weights; models it does not support keep the transformers
forward.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from transformers.cache_utils import Cache

from agent.backends.local.options import Quant
from agent.backends.local.weights import Matrix


@dataclass
class Pass:
    """One sequence's part of a forward pass: tokens to append to its cache, and how many last rows to keep."""

    ids: list[int]
    cache: Cache
    keep: int = 0  # 0: logits for every row


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


@dataclass
class Layer:
    qkv: Matrix
    o: Matrix
    gate_up: Matrix
    down: Matrix
    norm_in: torch.Tensor
    norm_post: torch.Tensor


@dataclass
class Segment:
    """Where one sequence's rows sit in a batched pass, and how its attention is masked."""

    rows: slice
    cache: Cache
    mask: torch.Tensor | None
    causal: bool


class LlamaRunner:
    """The forward pass of a Llama model, from its current (adapter-folded) weights."""

    def __init__(self, model: Any, *, quant: Quant = "fp32") -> None:
        self.model, self.quant = model, quant
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
        # The tied output projection is the GGUF's Q8_0 embedding table: int4 would lose what int8 keeps.
        head_quant: Quant = "int8" if self.quant == "int4" else self.quant
        self.head = Matrix([self.model.get_output_embeddings()], head_quant)
        self.layers = [self._layer(block) for block in inner.layers]

    def _layer(self, block: Any) -> Layer:
        attn, mlp = block.self_attn, block.mlp
        return Layer(
            Matrix([attn.q_proj, attn.k_proj, attn.v_proj], self.quant),
            Matrix([attn.o_proj], self.quant),
            Matrix([mlp.gate_proj, mlp.up_proj], self.quant),
            Matrix([mlp.down_proj], self.quant),
            block.input_layernorm.weight.detach(),
            block.post_attention_layernorm.weight.detach(),
        )

    def _rope(self, config: Any) -> None:
        rope = getattr(config, "rope_parameters", None) or {}
        theta = rope.get("rope_theta", getattr(config, "rope_theta", 10000.0))
        inv_freq = 1.0 / (theta ** (torch.arange(0, self.head_dim, 2, dtype=torch.int64).float() / self.head_dim))
        positions = torch.arange(config.max_position_embeddings, dtype=torch.float32)
        freqs = torch.outer(positions, inv_freq)
        device = self.model.device
        self.cos = torch.cat([freqs, freqs], dim=-1).cos().to(device)
        # rotate_half(x) * sin == roll(x, half) * [-sin, sin]: the sign lives in the table, one op saved per use.
        self.sin = torch.cat([-freqs.sin(), freqs.sin()], dim=-1).to(device)

    def forward(self, ids: list[int], cache: Cache, keep: int = 0) -> torch.Tensor:
        """Logits [rows, vocab] of the last `keep` positions (0: all), appending `ids` to the cache."""
        return self.forward_many([Pass(ids, cache, keep)])[0]

    @torch.no_grad()
    def forward_many(self, passes: list[Pass]) -> list[torch.Tensor]:
        """One pass over several sequences (each with its own cache): each one's logits, in order."""
        segments, positions, offset = [], [], 0
        for one in passes:
            start, count = one.cache.get_seq_length(), len(one.ids)
            mask = _causal_mask(start, count, self.embed.device)
            # SDPA's own causal mask is only right when the queries start at position 0.
            segments.append(Segment(slice(offset, offset + count), one.cache, mask, mask is None and count > 1))
            positions.append(torch.arange(start, start + count))
            offset += count
        ids = torch.tensor([token for one in passes for token in one.ids], device=self.embed.device)
        x = self.embed[ids]
        where = torch.cat(positions).to(self.embed.device) if len(positions) > 1 else positions[0].to(x.device)
        rope = (self.cos[where][:, None, :], self.sin[where][:, None, :])
        for index, layer in enumerate(self.layers):
            x = x + self._attention(layer, F.rms_norm(x, x.shape[-1:], layer.norm_in, self.eps), segments, index, rope)
            x = x + self._mlp(layer, F.rms_norm(x, x.shape[-1:], layer.norm_post, self.eps))
        kept = [_last(seg.rows, one.keep) for seg, one in zip(segments, passes, strict=True)]
        rows = x[kept[0]] if len(kept) == 1 else torch.cat([x[k] for k in kept])
        logits = self.head(F.rms_norm(rows, rows.shape[-1:], self.norm, self.eps))
        return list(logits.split([k.stop - k.start for k in kept])) if len(kept) > 1 else [logits]

    def _attention(self, layer: Layer, x: torch.Tensor, segments: list[Segment], index: int, rope) -> torch.Tensor:
        rows, d, heads, kv = x.shape[0], self.head_dim, self.heads, self.kv_heads
        qkv = layer.qkv(x)
        # q and k rotate together: one set of ops for both.
        qk = _rotate(qkv[:, : (heads + kv) * d].view(rows, heads + kv, d), *rope)
        v = qkv[:, (heads + kv) * d :].view(rows, kv, d)
        # Heads first, once for all sequences; each sequence's rows are then one split away.
        sizes = [seg.rows.stop - seg.rows.start for seg in segments]
        qk_parts, v_parts = qk.transpose(0, 1).split(sizes, 1), v.transpose(0, 1).split(sizes, 1)
        outs = []
        for seg, qk_part, v_part in zip(segments, qk_parts, v_parts, strict=True):
            # Slice, then add the batch dimension: its stride then follows the heads', which keeps SDPA on its
            # fast path (a batch stride left over from before the slice sends it down a slower one).
            keys, values = seg.cache.update(qk_part[heads:][None], v_part[None], index)
            out = F.scaled_dot_product_attention(
                qk_part[:heads][None], keys, values, attn_mask=seg.mask, is_causal=seg.causal, enable_gqa=True
            )
            outs.append(out[0])
        out = outs[0] if len(outs) == 1 else torch.cat(outs, 1)
        return layer.o(out.transpose(0, 1).reshape(rows, heads * d))

    def _mlp(self, layer: Layer, x: torch.Tensor) -> torch.Tensor:
        gate, up = layer.gate_up(x).chunk(2, dim=-1)
        return layer.down(F.silu(gate) * up)


def _rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    return torch.addcmul(x * cos, x.roll(x.shape[-1] // 2, dims=-1), sin)


def _last(rows: slice, keep: int) -> slice:
    return slice(rows.stop - keep, rows.stop) if keep else rows


def _causal_mask(start: int, count: int, device: Any) -> torch.Tensor | None:
    """None when no mask is needed (one query, or a fresh prefill that SDPA masks causally)."""
    if count == 1 or start == 0:
        return None
    keys = torch.arange(start + count, device=device)
    queries = torch.arange(start, start + count, device=device)
    return keys[None, :] <= queries[:, None]
