"""`looptune vllm`: the `vllm serve` command for a model and its LoRA adapters, checked before launch.

Adapters become `--lora-modules NAME=PATH` with `--max-lora-rank` rounded up
to a rank vLLM accepts; tool calling uses the model's own template and
parser when its template renders tools, else our Hermes template
(`agent/toolcalls/hermes.jinja`, the one adapters were trained with) and
vLLM's `hermes` parser. Each adapter must name this model as its base, and
its target modules must exist in the model's weights (checked when the
weights are on this machine). It knows nothing of how vLLM runs: the CLI
launches the command.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from agent.errors import USAGE, LooptuneError
from agent.models.adapters import adapter_base, read_config
from agent.toolcalls.template import TEMPLATE_PATH, choose

VLLM_RANKS = (8, 16, 32, 64, 128, 256, 320, 512)  # what vLLM's --max-lora-rank accepts
BUNDLED_HUB_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"  # the bundled GGUF's original, which vLLM loads


class LaunchError(LooptuneError, ValueError):
    """A command that would not serve what was asked; one line naming the adapter or model."""

    exit_code = USAGE


@dataclass
class Plan:
    model: str
    adapters: list[tuple[str, Path]] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 8000
    extra: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"


def vllm_rank(rank: int) -> int:
    """The smallest rank vLLM accepts for --max-lora-rank that holds `rank`."""
    return next((allowed for allowed in VLLM_RANKS if rank <= allowed), rank)


def command(plan: Plan) -> list[str]:
    """The `vllm serve ...` argv for the plan; LaunchError if an adapter does not fit the model."""
    model = BUNDLED_HUB_ID if plan.model == "bundled" else plan.model
    argv = ["vllm", "serve", model, "--host", plan.host, "--port", str(plan.port)]
    ranks = [_checked_rank(name, path, model) for name, path in plan.adapters]
    if plan.adapters:
        modules = [f"{name}={path}" for name, path in plan.adapters]
        argv += ["--enable-lora", "--lora-modules", *modules, "--max-lora-rank", str(vllm_rank(max(ranks)))]
    argv += ["--enable-auto-tool-choice", *_tool_flags(model)]
    return argv + plan.extra


def shell_line(argv: list[str]) -> str:
    """The argv as one line to paste into a shell."""
    return shlex.join(argv)


def _checked_rank(name: str, path: Path, model: str) -> int:
    config = read_config(path)  # BackendError for a folder that is not an adapter
    base = adapter_base(path)
    base = BUNDLED_HUB_ID if base == "bundled" else base
    if not _same_model(base, model):
        raise LaunchError(f"adapter {name} ({path}) was trained on {base!r}, not on {model!r}")
    weights = _weight_names(model)
    if weights is not None:
        modules = config.get("target_modules") or []
        missing = [m for m in _as_list(modules) if not any(f".{m}." in w or w.startswith(f"{m}.") for w in weights)]
        if missing:
            raise LaunchError(f"adapter {name} targets modules {model!r} does not have: {', '.join(missing)}")
    return int(config.get("r") or 8)


def _same_model(base: str, model: str) -> bool:
    if base == model:
        return True
    a, b = Path(base).expanduser(), Path(model).expanduser()
    return a.exists() and b.exists() and a.resolve() == b.resolve()


def _as_list(modules: object) -> list[str]:
    """PEFT's `target_modules`: one name or a list of names."""
    if isinstance(modules, str):
        return [modules]
    if isinstance(modules, list):
        return [str(name) for name in modules]
    raise LaunchError(f"adapter_config.json: target_modules must be a name or a list of names, not {modules!r}")


def _weight_names(model: str) -> list[str] | None:
    """Tensor names of a model directory on this machine (None when its weights are not here to check)."""
    folder = Path(model).expanduser()
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        return list(json.loads(index.read_text(encoding="utf-8"))["weight_map"])
    single = folder / "model.safetensors"
    if single.is_file():
        from safetensors import safe_open

        with safe_open(str(single), framework="pt") as handle:
            return list(handle.keys())  # noqa: SIM118 - a safetensors handle, not a dict
    return None


def _tool_flags(model: str) -> list[str]:
    """The model's own template and parser when it renders tools, else our template with `hermes`."""
    config = Path(model).expanduser() / "tokenizer_config.json"
    own = None
    if config.is_file():
        own = json.loads(config.read_text(encoding="utf-8")).get("chat_template")
        jinja = config.with_name("chat_template.jinja")
        own = jinja.read_text(encoding="utf-8") if jinja.is_file() else own
    template, parser = choose(own if isinstance(own, str) else None)
    if own is not None and template == own:
        return ["--tool-call-parser", parser]
    return ["--tool-call-parser", "hermes", "--chat-template", str(TEMPLATE_PATH)]
