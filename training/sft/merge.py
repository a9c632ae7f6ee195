"""`looptune train merge ADAPTER -o DIR`: the base with the LoRA folded in, as plain weights anyone can serve.

The base comes from the adapter's own config (the path it was trained on);
the output holds fp32 (CPU) safetensors, the tokenizer and the chat template
the adapter was trained with, so `vllm serve DIR` or transformers loads it
with no looptune code. It also prints the exact `vllm serve` lines for the
merged model and for serving the adapter on its base.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent.backends.base import BackendError
from agent.errors import USAGE, LooptuneError
from agent.models.adapters import adapter_base, read_config
from agent.models.source import resolve
from agent.serve.vllm import vllm_rank
from training.sft.model import converted

PARSER = "hermes"


class MergeError(LooptuneError, ValueError):
    """An adapter that cannot be merged; one line saying why."""

    exit_code = USAGE


def merge(adapter: Path, out: Path) -> dict[str, Any]:
    """Write base + adapter merged into `out`; returns what was merged (base, rank, modules)."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        config = read_config(adapter)
        base = resolve(adapter_base(adapter))
    except BackendError as exc:
        raise MergeError(str(exc)) from exc
    base = converted(base)
    model = AutoModelForCausalLM.from_pretrained(base.directory)
    merged = PeftModel.from_pretrained(model, adapter).merge_and_unload()
    out.mkdir(parents=True, exist_ok=True)
    merged.save_pretrained(out)
    AutoTokenizer.from_pretrained(adapter).save_pretrained(out)  # carries the template it was trained with
    return {"base": str(base.directory), "rank": config.get("r"), "modules": config.get("target_modules")}


def vllm_lines(adapter: Path, merged: Path, info: dict[str, Any]) -> list[str]:
    """`vllm serve` for the merged weights, and for the adapter as a LoRA module on its base."""
    template = adapter / "chat_template.jinja"
    tools = f"--enable-auto-tool-choice --tool-call-parser {PARSER}"
    rank = max(8, int(info["rank"] or 8))
    return [
        f"vllm serve {merged} --chat-template {merged / 'chat_template.jinja'} {tools}",
        f"vllm serve {info['base']} --enable-lora --lora-modules {adapter.name}={adapter} "
        f"--max-lora-rank {vllm_rank(rank)} --chat-template {template} {tools}",
    ]
