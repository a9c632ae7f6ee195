"""LoRA adapters on a loaded base model: load, switch, unload, without reloading the base.

Adapters are checked before PEFT touches the model: the folder must hold a
PEFT config and weights, and every LoRA matrix must fit the module it
targets, so an adapter trained on another base fails with both names instead
of a shape error deep in PEFT. This module knows nothing of prompts,
decoding or caches (callers clear those when the weights change).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

from agent.errors import BackendError
from agent.models.loader import quiet_transformers

WEIGHT_FILES = ("adapter_model.safetensors", "adapter_model.bin")


def adapter_base(path: Path) -> str:
    """The base model an adapter says it was trained on."""
    return str(read_config(path).get("base_model_name_or_path") or "unknown")


def read_config(path: Path) -> dict[str, Any]:
    """The adapter's PEFT config; a folder that is not a PEFT adapter is a BackendError."""
    if not path.exists():
        raise BackendError(f"adapter not found: {path}")
    config_file = path / "adapter_config.json"
    if not path.is_dir() or not config_file.is_file():
        raise BackendError(f"{path}: not a PEFT adapter (no adapter_config.json)")
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise BackendError(f"{config_file}: unreadable adapter config: {exc}") from exc
    if not isinstance(config, dict) or "peft_type" not in config:
        raise BackendError(f"{config_file}: not a PEFT adapter config (no peft_type)")
    if not any((path / name).is_file() for name in WEIGHT_FILES):
        raise BackendError(f"{path}: PEFT adapter has no weights ({' or '.join(WEIGHT_FILES)})")
    return config


def lora_shapes(path: Path) -> dict[str, tuple[int, ...]]:
    """Shapes of the adapter's tensors, by key, read without loading the weights."""
    file = path / WEIGHT_FILES[0]
    if file.is_file():
        from safetensors import safe_open

        with safe_open(str(file), framework="pt") as handle:
            return {key: tuple(handle.get_slice(key).get_shape()) for key in handle.keys()}  # noqa: SIM118
    import torch

    state = torch.load(path / WEIGHT_FILES[1], map_location="cpu", weights_only=True)
    return {key: tuple(value.shape) for key, value in state.items()}


def misfit(model: Any, shapes: dict[str, tuple[int, ...]]) -> str | None:
    """Why the LoRA matrices do not fit this model, or None if they all do."""
    modules = dict(model.named_modules())
    for key, shape in shapes.items():
        if ".lora_A." not in key and ".lora_B." not in key:
            continue
        target = key.split(".lora_")[0].removeprefix("base_model.model.")
        module = modules.get(target)
        if module is None or not hasattr(module, "in_features"):
            return f"it targets {target}, which this model does not have"
        fits = shape[-1] == module.in_features if ".lora_A." in key else shape[0] == module.out_features
        if not fits:
            return f"{target} is {module.in_features}->{module.out_features}, the adapter expects {shape}"
    return None


class Adapters:
    """The adapters loaded into one base model, and which one is active."""

    def __init__(self, model: Any, model_name: str) -> None:
        self.model, self.model_name = model, model_name
        self.loaded: dict[str, Path] = {}
        self.active: str | None = None

    def load(self, path: str | Path, name: str | None = None) -> str:
        """Load an adapter (checked first) and make it active; returns its name."""
        path = Path(path).expanduser()
        read_config(path)
        problem = misfit(self.model, lora_shapes(path))
        if problem:
            raise BackendError(
                f"{path}: adapter was trained on {adapter_base(path)!r}, not on the loaded model "
                f"{self.model_name!r}: {problem}"
            )
        name = name or path.name or "adapter"
        if name in self.loaded:
            self.model.delete_adapter(name)
        with warnings.catch_warnings(), quiet_transformers():
            # Several adapters in one model is the point here, not an accident.
            warnings.filterwarnings("ignore", message="Already found a `peft_config` attribute")
            self.model.load_adapter(str(path), adapter_name=name)
        self.model.requires_grad_(False)  # served, not trained: the new LoRA weights build no autograd graph
        self.loaded[name] = path
        self.use(name)
        return name

    def use(self, name: str | None) -> None:
        """Activate a loaded adapter by name, or None for the bare base model."""
        if name is None:
            if self.loaded:
                self.model.disable_adapters()
        elif name not in self.loaded:
            raise BackendError(f"no adapter named {name!r} is loaded (loaded: {', '.join(self.loaded) or 'none'})")
        else:
            self.model.set_adapter(name)
            self.model.enable_adapters()
        self.active = name

    def unload(self, name: str | None = None) -> None:
        """Remove an adapter (the active one by default); the base model is untouched."""
        name = name or self.active
        if name is None or name not in self.loaded:
            return
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Adapter .* was active which is now deleted")
            self.model.delete_adapter(name)
        del self.loaded[name]
        if self.active == name:
            self.active = None
            if self.loaded:
                self.model.disable_adapters()
