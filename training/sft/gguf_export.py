"""`looptune train merge ADAPTER -o DIR --format gguf`: a merged llama-family model as one f32 GGUF file.

Written with the `gguf` package's writer, in llama.cpp's layout: its tensor
names, its q/k row order (llama.cpp interleaves the rotary halves that
transformers keeps apart), the architecture keys, and a gpt2-BPE tokenizer
with our chat template. Weights stay f32, so loading the file back with
transformers (`gguf_file=`) gives the merged model's logits; quantise it with
llama.cpp's `llama-quantize` if you want it smaller. Other architectures are
refused with a clear error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent.errors import USAGE, LooptuneError

LLAMA = {"LlamaForCausalLM"}
TOKEN_NORMAL, TOKEN_CONTROL = 1, 3


class GGUFError(LooptuneError, ValueError):
    """A model this exporter cannot write; one line saying why."""

    exit_code = USAGE


def permute(weight: Any, heads: int) -> Any:
    """transformers' rotary layout -> llama.cpp's (the inverse of transformers' GGUF loader)."""
    rows = weight.shape[0]
    return weight.reshape(heads, 2, rows // heads // 2, *weight.shape[1:]).swapaxes(1, 2).reshape(weight.shape)


def write_gguf(model_dir: Path, out: Path) -> Path:
    """Write `model_dir` (merged weights + tokenizer) as `out`; returns the file."""
    import gguf
    from safetensors.numpy import load_file

    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    if not LLAMA & set(config.get("architectures") or []):
        raise GGUFError(f"{model_dir}: --format gguf writes llama-family models; this is {config.get('architectures')}")
    writer = gguf.GGUFWriter(str(out), "llama")
    _architecture(writer, config)
    _tokenizer(writer, model_dir)
    names = gguf.TensorNameMap(gguf.MODEL_ARCH.LLAMA, config["num_hidden_layers"])
    tensors = {}
    for file in sorted(model_dir.glob("*.safetensors")):
        tensors.update(load_file(str(file)))
    for name, value in tensors.items():
        writer.add_tensor(_gguf_name(names, name), _layout(name, value.astype("float32"), config))
    if "lm_head.weight" not in tensors and not config.get("tie_word_embeddings", False):
        raise GGUFError(f"{model_dir}: no lm_head.weight and embeddings are not tied")
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out


def _gguf_name(names: Any, name: str) -> str:
    mapped = names.get_name(name, try_suffixes=(".weight", ".bias"))
    if mapped is None:
        raise GGUFError(f"tensor {name}: no llama.cpp name for it")
    return mapped


def _layout(name: str, value: Any, config: dict[str, Any]) -> Any:
    heads = config["num_attention_heads"]
    if name.endswith("q_proj.weight"):
        return permute(value, heads)
    if name.endswith("k_proj.weight"):
        return permute(value, config.get("num_key_value_heads", heads))
    return value


def _architecture(writer: Any, config: dict[str, Any]) -> None:
    heads = config["num_attention_heads"]
    writer.add_name(config.get("_name_or_path", "looptune-merged") or "looptune-merged")
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_context_length(config.get("max_position_embeddings", 2048))
    writer.add_embedding_length(config["hidden_size"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_head_count(heads)
    writer.add_head_count_kv(config.get("num_key_value_heads", heads))
    writer.add_rope_freq_base(float(config.get("rope_theta", 10000.0)))
    writer.add_layer_norm_rms_eps(float(config.get("rms_norm_eps", 1e-5)))
    writer.add_rope_dimension_count(config["hidden_size"] // heads)
    writer.add_vocab_size(config["vocab_size"])
    writer.add_file_type(0)  # all f32


def _tokenizer(writer: Any, model_dir: Path) -> None:
    """A gpt2-BPE tokenizer from tokenizer.json, with the chat template the model was trained with."""
    data = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    model = data["model"]
    if model.get("type") != "BPE":
        raise GGUFError(f"{model_dir}: --format gguf writes BPE tokenizers; this one is {model.get('type')}")
    vocab = dict(model["vocab"])
    special = {t["content"]: t["id"] for t in data.get("added_tokens", [])}
    vocab.update(special)
    tokens = [""] * (max(vocab.values()) + 1)
    for token, index in vocab.items():
        tokens[index] = token
    merges = [m if isinstance(m, str) else " ".join(m) for m in model.get("merges", [])]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_types([TOKEN_CONTROL if t in special else TOKEN_NORMAL for t in tokens])
    writer.add_token_merges(merges)
    config = json.loads((model_dir / "tokenizer_config.json").read_text(encoding="utf-8"))
    for key, add in (("bos_token", writer.add_bos_token_id), ("eos_token", writer.add_eos_token_id)):
        if config.get(key) in vocab:
            add(vocab[config[key]])
    writer.add_add_bos_token(False)
    template = model_dir / "chat_template.jinja"
    if template.is_file():
        writer.add_chat_template(template.read_text(encoding="utf-8"))
