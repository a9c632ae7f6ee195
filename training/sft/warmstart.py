"""Warm start: load an existing LoRA adapter's weights into the freshly wrapped PEFT model before training.

The adapter must have the shape this config asks for (r, alpha, target
modules, layers); a mismatch is a ConfigError naming the field, not a shape
error from PEFT. It knows nothing of data or of the trainer's loop.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent.backends.base import BackendError
from agent.models.adapters import WEIGHT_FILES, read_config
from agent.models.shipped import resolve_adapter
from agent.models.source import BUNDLED
from training.sft.config import ConfigError, TrainConfig


def adapter_dir(spec: str) -> Path:
    """The folder `init_adapter` names (`bundled` is the shipped adapter)."""
    try:
        resolved = resolve_adapter(spec, BUNDLED if spec == BUNDLED else "custom")
    except BackendError as exc:
        raise ConfigError(f"init_adapter: {exc}") from exc
    if resolved is None:
        raise ConfigError(f"init_adapter: {spec!r} names no adapter")
    return Path(resolved)


def check_shape(config: TrainConfig, peft_config: Any, path: Path) -> None:
    """A ConfigError unless the adapter at `path` has the LoRA shape `peft_config` builds."""
    try:
        saved = read_config(path)
    except BackendError as exc:
        raise ConfigError(f"init_adapter: {exc}") from exc
    wanted = {
        "lora_r": (saved.get("r"), peft_config.r),
        "lora_alpha": (saved.get("lora_alpha"), peft_config.lora_alpha),
        "target_modules": (sorted(saved.get("target_modules") or []), sorted(peft_config.target_modules or [])),
        "lora_layers": (saved.get("layers_to_transform"), peft_config.layers_to_transform),
    }
    for field, (theirs, ours) in wanted.items():
        if theirs != ours:
            raise ConfigError(
                f"init_adapter {path}: its {field} is {theirs!r} but this config builds {ours!r}; "
                f"set {field} to match the adapter"
            )


def load_into(model: Any, path: Path) -> int:
    """Copy the adapter's LoRA weights into `model` (a PeftModel); returns how many tensors were loaded."""
    from peft import set_peft_model_state_dict

    state = _read_weights(path)
    # peft annotates the return as `namedtuple` (a function, not a type); it is torch's load_state_dict result
    result: Any = set_peft_model_state_dict(model, state)
    missing = [key for key in result.missing_keys if "lora_" in key]
    if missing:  # a LoRA matrix left at its initial value would silently train from a half-warm start
        raise ConfigError(f"init_adapter {path}: no weights for {len(missing)} LoRA tensors, e.g. {missing[0]}")
    return len(state)


def _read_weights(path: Path) -> dict[str, Any]:
    file = path / WEIGHT_FILES[0]
    if file.is_file():
        from safetensors.torch import load_file

        return {key: value.float() for key, value in load_file(str(file)).items()}
    import torch

    state = torch.load(path / WEIGHT_FILES[1], map_location="cpu", weights_only=True)
    return {key: value.float() for key, value in state.items()}
