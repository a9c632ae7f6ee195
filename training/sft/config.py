"""The typed training config: YAML file, then `--key value` overrides, saved resolved next to every output.

Keys are flat (`lora_r`, `learning_rate`, ...) so a flag is the key with
dashes. It knows nothing of transformers or TRL: `training.sft.trainer`
turns it into their configs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from agent.errors import USAGE, LooptuneError
from agent.fsutil import atomic_write_text
from agent.settings import SettingsError, read_mapping


class ConfigError(LooptuneError, ValueError):
    """A config that cannot be used; the message names the file or flag and the field."""

    exit_code = USAGE


class TrainConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_model: str = "bundled"  # bundled, a model directory, or a .gguf file
    data: list[str] = Field(min_length=1)  # trace JSONL files (looptune traces generate / export)
    eval_data: list[str] = Field(default_factory=list)  # held-out traces for eval loss (optional)
    eval_split: float = Field(default=0.0, ge=0.0, lt=1.0)  # or carve this share of `data` out for eval loss
    output_dir: str = "out"
    lora_r: int = Field(default=16, ge=1)
    lora_alpha: int = Field(default=32, ge=1)
    lora_dropout: float = Field(default=0.05, ge=0.0, lt=1.0)
    target_modules: list[str] = Field(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    )
    # LoRA on the top N decoder layers only: backprop then stops there, so a step costs less (None: all layers).
    lora_layers: int | None = Field(default=None, ge=1)
    # Start the LoRA from this adapter's weights (a PEFT folder, or `bundled` for the shipped one) instead of
    # zeros: a new recipe keeps what the adapter already learned (the call format) and spends its steps on the
    # new data. Its r, alpha, target modules and layers must be this config's.
    init_adapter: str | None = None
    qlora: bool = False  # NF4 base + double quant + paged 8-bit AdamW: CUDA only
    max_length: int = Field(default=2048, ge=16)
    packing: bool = False
    # Score only the positions whose next token is trained (`all`: TRL's own loss over every position).
    loss_positions: Literal["trained", "all"] = "trained"
    # Train up to N examples that open with the same tokens (system prompt, tool schemas) as one group,
    # running that shared prefix once (training.sft.groups). 1: every example alone.
    share_prefix: int = Field(default=1, ge=1)
    epochs: float = Field(default=1.0, gt=0)
    max_steps: int = -1  # > 0 overrides epochs
    learning_rate: float = Field(default=2e-4, gt=0)
    lr_scheduler: str = "cosine"
    warmup_ratio: float = Field(default=0.03, ge=0.0, lt=1.0)
    weight_decay: float = Field(default=0.0, ge=0.0)
    batch_size: int = Field(default=1, ge=1)
    grad_accumulation: int = Field(default=8, ge=1)
    gradient_checkpointing: bool = False
    save_steps: int = Field(default=50, ge=1)
    save_total_limit: int = Field(default=3, ge=1)
    eval_steps: int = Field(default=50, ge=1)
    logging_steps: int = Field(default=5, ge=1)
    seed: int = 0
    report_to: Literal["none", "tensorboard", "wandb"] = "none"
    eval_tasks: str | None = None  # run `looptune eval` on these tasks with the result
    # Use only N examples: the first after a seeded shuffle (of whole groups, with share_prefix).
    max_examples: int | None = Field(default=None, ge=1)

    @field_validator("packing")
    @classmethod
    def _no_packing(cls, value: bool) -> bool:
        if value:
            raise ValueError(
                "packing is not supported: each example trains alone (batch_size 1 + grad_accumulation), so no token"
                " is padding; packing rows together would need a varlen attention kernel (flash-attention) to keep"
                " them from attending to each other"
            )
        return value

    @model_validator(mode="after")
    def _sharing_needs_one_group_per_batch(self) -> TrainConfig:
        if self.share_prefix > 1 and self.batch_size != 1:
            raise ValueError("share_prefix trains one group per micro-batch: set batch_size 1 (grad_accumulation adds)")
        if self.share_prefix > 1 and self.loss_positions != "trained":
            raise ValueError("share_prefix scores the trained positions only: set loss_positions trained")
        return self

    @field_validator("data", "eval_data", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


def load_config(path: str | None, overrides: dict[str, str]) -> TrainConfig:
    """The YAML file (if any) with `overrides` applied; a bad key or value is a ConfigError naming it."""
    data: dict[str, Any] = {}
    if path:
        data = _read_yaml(Path(path))
    for key, raw in overrides.items():
        data[key.replace("-", "_")] = yaml.safe_load(raw)  # "3e-4" -> float, "true" -> bool, "[a, b]" -> list
    try:
        return TrainConfig.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or "(root)"
        source = "flag --" + where.replace("_", "-") if where in {k.replace("-", "_") for k in overrides} else path
        raise ConfigError(f"{source or 'config'}: {where}: {error['msg']}") from exc


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        return read_mapping(path, "a training config is a mapping of keys to values")
    except SettingsError as exc:  # the same one line, as the training config's own error type
        raise ConfigError(str(exc)) from exc


def save_config(config: TrainConfig, directory: Path) -> Path:
    """Write the resolved config as `train_config.yaml` in `directory`."""
    path = directory / "train_config.yaml"
    atomic_write_text(path, yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False))
    return path
