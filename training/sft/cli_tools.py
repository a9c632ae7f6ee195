"""`looptune train merge|export|estimate-memory`: flags in, files or a table out."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from agent.settings import SettingsError
from training.sft.memory import GIB, estimate, from_config, from_params, table

out = Console(highlight=False, soft_wrap=True)


def merge_command(args: argparse.Namespace) -> int:
    """Merge an adapter into its base; print where, and how to serve it with vLLM."""
    from training.sft.merge import merge, vllm_lines

    adapter, target = Path(args.adapter), Path(args.output)
    info = merge(adapter, target)
    out.print(Text(f"merged {adapter} into {info['base']} -> {target}"))
    if args.format == "gguf":
        from training.sft.gguf_export import write_gguf

        written = write_gguf(target, target / "model-f32.gguf")
        out.print(Text(f"gguf: {written} (f32; llama.cpp's llama-quantize makes it smaller)"))
    out.print("serve with vLLM (merged weights, then the adapter on its base):")
    for line in vllm_lines(adapter, target, info):
        out.print(Text(f"  {line}"))
    return 0


def export_command(args: argparse.Namespace) -> int:
    """Write the adapter with smaller weights (bf16 by default) and its card into the output folder."""
    from training.sft.export import export_adapter

    size = export_adapter(Path(args.adapter), Path(args.output), args.dtype)
    out.print(Text(f"exported {args.adapter} -> {args.output} ({args.dtype} weights, {size / 1e6:.1f} MB)"))
    return 0


def memory_command(args: argparse.Namespace) -> int:
    """Print the memory estimate as a table (GiB per part and total)."""
    if (args.model is None) == (args.params is None):
        raise SettingsError("give exactly one of --model DIR or --params N (e.g. --params 7e9)")
    if args.model is not None:
        directory = _model_dir(args.model)
        shape = from_config(directory)
    else:
        shape = from_params(args.params)
    result = estimate(
        shape,
        quant=args.quant,
        rank=args.lora_r,
        batch=args.batch,
        seq=args.seq,
        checkpointing=args.grad_checkpointing,
        device=args.device,
        lora_layers=args.lora_layers,
        scored=args.scored_share,
    )
    view = Table("part", "memory", box=None, title=f"{shape.params / 1e9:.2f}B params, {args.device}")
    for part, value in table(result):
        view.add_row(part, value)
    out.print(view)
    print(f"{result.total / GIB:.2f}")
    return 0


def _model_dir(spec: str) -> Path:
    from agent.models.source import resolve
    from training.sft.model import converted

    return converted(resolve(spec)).directory
