"""`looptune train merge|export|estimate-memory`: typed arguments in, files or a table out.

The CLI (agent/cli/train_cmd.py) turns the flags into these arguments; this
module knows no flags and no argv.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from training.sft.memory import GIB, estimate, from_config, from_params, table

out = Console(highlight=False, soft_wrap=True)


def run_merge(adapter: str, output: str, *, gguf: bool = False) -> int:
    """Merge an adapter into its base (with `gguf`, also as output/model-f32.gguf); print where, and how to serve
    it with vLLM."""
    from training.sft.merge import merge, vllm_lines

    source, target = Path(adapter), Path(output)
    info = merge(source, target)
    out.print(Text(f"merged {source} into {info['base']} -> {target}"))
    if gguf:
        from training.sft.gguf_export import write_gguf

        written = write_gguf(target, target / "model-f32.gguf")
        out.print(Text(f"gguf: {written} (f32; llama.cpp's llama-quantize makes it smaller)"))
    out.print("serve with vLLM (merged weights, then the adapter on its base):")
    for line in vllm_lines(source, target, info):
        out.print(Text(f"  {line}"))
    return 0


def run_export(adapter: str, output: str, *, dtype: str = "bf16") -> int:
    """Write the adapter with smaller weights (bf16 by default) and its card into the output folder."""
    from training.sft.export import export_adapter

    size = export_adapter(Path(adapter), Path(output), dtype)
    out.print(Text(f"exported {adapter} -> {output} ({dtype} weights, {size / 1e6:.1f} MB)"))
    return 0


def run_memory(
    source: str | float,
    *,
    quant: str = "none",
    rank: int = 16,
    batch: int = 1,
    seq: int = 1024,
    checkpointing: bool = False,
    device: str = "cpu",
    lora_layers: int | None = None,
    scored: float = 1.0,
) -> int:
    """Print the memory estimate as a table (GiB per part and total). `source` is a model (a directory, .gguf or
    bundled: its config.json gives the shape) or a parameter count; the rest is `memory.estimate`'s setting."""
    shape = from_config(_model_dir(source)) if isinstance(source, str) else from_params(source)
    result = estimate(
        shape,
        quant=quant,
        rank=rank,
        batch=batch,
        seq=seq,
        checkpointing=checkpointing,
        device=device,
        lora_layers=lora_layers,
        scored=scored,
    )
    view = Table("part", "memory", box=None, title=f"{shape.params / 1e9:.2f}B params, {device}")
    for part, value in table(result):
        view.add_row(part, value)
    out.print(view)
    print(f"{result.total / GIB:.2f}")
    return 0


def _model_dir(spec: str) -> Path:
    from agent.models.source import resolve
    from training.sft.model import converted

    return converted(resolve(spec)).directory
