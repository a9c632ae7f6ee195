"""Loading a causal LM and its tokenizer with transformers, on the right device and dtype.

fp32 on CPU (several times faster than bf16 without AMX), bf16 on CUDA, NF4
through bitsandbytes only on CUDA. A GGUF is converted once (see `source`).
This module knows nothing of adapters, prompts or decoding.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import Any

from agent.backends.base import BackendError
from agent.backends.local.source import ModelSource, resolve, save_converted


@dataclass
class Loaded:
    """A model ready for inference, with where it came from."""

    model: Any
    tokenizer: Any
    source: ModelSource
    device: str


def pick_device(requested: str | None = None) -> str:
    import torch

    if requested:
        return requested
    return "cuda" if torch.cuda.is_available() else "cpu"


def load_tokenizer(source: ModelSource):
    """The tokenizer of a source; a bundled/GGUF source is converted first."""
    if source.gguf_file is not None:
        source = load_model(source).source
    from transformers import AutoTokenizer

    with quiet_transformers():
        return AutoTokenizer.from_pretrained(source.directory)


def bundled_tokenizer():
    """The bundled SmolLM2 tokenizer (converting the GGUF on first use)."""
    return load_tokenizer(resolve("bundled"))


def load_model(source: ModelSource, *, device: str | None = None, load_in_4bit: bool = False) -> Loaded:
    """Load weights and tokenizer; unusable files raise one-line BackendErrors."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    device = pick_device(device)
    kwargs = _dtype_kwargs(device, load_in_4bit)
    if source.gguf_file:
        kwargs["gguf_file"] = source.gguf_file
    where = source.directory / (source.gguf_file or "")
    if source.gguf_file:
        print(f"looptune: converting {source.gguf_file} to a cached fp32 copy (once; ~15 s)", file=sys.stderr)
    try:
        with quiet_transformers():
            tokenizer = AutoTokenizer.from_pretrained(source.directory, **_gguf(source))
            model = AutoModelForCausalLM.from_pretrained(source.directory, **kwargs)
    except (ValueError, KeyError, OSError, RuntimeError) as exc:
        raise BackendError(f"{where}: cannot load model: {_first_line(exc)}") from exc
    if source.gguf_file:
        with quiet_transformers():
            converted = save_converted(source, model, tokenizer)
        if converted is not None:
            source = ModelSource(source.name, converted)
    if not load_in_4bit:
        model.to(device)
    model.eval()
    model.requires_grad_(False)  # inference only: no autograd graph, without switching grad off for the caller's thread
    return Loaded(model, tokenizer, source, device)


def _gguf(source: ModelSource) -> dict[str, str]:
    return {"gguf_file": source.gguf_file} if source.gguf_file else {}


def _dtype_kwargs(device: str, load_in_4bit: bool) -> dict[str, Any]:
    import torch

    if load_in_4bit:
        if not device.startswith("cuda"):
            raise BackendError("--load-in-4bit needs a CUDA GPU (bitsandbytes NF4); this machine has none")
        from transformers import BitsAndBytesConfig

        quant = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16)
        return {"quantization_config": quant, "dtype": torch.bfloat16, "device_map": {"": device}}
    return {"dtype": torch.bfloat16 if device.startswith("cuda") else torch.float32}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


class quiet_transformers:
    """Silence transformers' progress bars and info logs while loading."""

    def __enter__(self) -> None:
        from transformers.utils import logging as hf_logging

        self.level = hf_logging.get_verbosity()
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        logging.getLogger("transformers").setLevel(logging.ERROR)
        # The GGUF converter uses tqdm directly, ignoring the switch above; our one-line notice replaces it.
        from transformers import modeling_gguf_pytorch_utils as gguf_utils

        self.gguf_utils, self.tqdm = gguf_utils, gguf_utils.tqdm
        gguf_utils.tqdm = _no_bar

    def __exit__(self, *exc: object) -> None:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity(self.level)
        hf_logging.enable_progress_bar()
        self.gguf_utils.tqdm = self.tqdm


def _no_bar(iterable, *args, **kwargs):
    return iterable
