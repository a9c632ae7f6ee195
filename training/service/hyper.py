"""A fine-tuning job request (OpenAI's `fine_tuning.jobs.create` body) and the `looptune train` config it becomes.

OpenAI's hyperparameters map onto `TrainConfig` as below; `"auto"` (or
leaving one out) picks the value named here, and the job records the
mapping it used, so anyone can rerun the same training with `looptune train`:

    n_epochs                  -> epochs                 auto: 3 below 1,000 examples, 2 below 10,000, else 1
    batch_size                -> grad_accumulation      (micro-batches of 1: how this repo trains on a CPU)
                                                        auto: 1 below 64 examples, else 8
    learning_rate_multiplier  -> learning_rate = 2e-4 x multiplier   auto: 1

It knows nothing of HTTP or of the job runner.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from training.sft.config import TrainConfig

BASE_LEARNING_RATE = TrainConfig.model_fields["learning_rate"].default
Auto = Literal["auto"]


class Hyperparameters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    n_epochs: int | Auto | None = Field(default=None)
    batch_size: int | Auto | None = Field(default=None)
    learning_rate_multiplier: float | Auto | None = Field(default=None)


class Supervised(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hyperparameters: Hyperparameters = Field(default_factory=lambda: Hyperparameters())


class Method(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["supervised", "dpo", "reinforcement"]
    supervised: Supervised | None = None
    dpo: dict | None = None
    reinforcement: dict | None = None


class JobRequest(BaseModel):
    """The body of `POST /v1/fine_tuning/jobs`; an unknown key is refused, naming it."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1)
    training_file: str = Field(min_length=1)
    validation_file: str | None = None
    suffix: str | None = Field(default=None, max_length=64)
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)
    metadata: dict[str, str] | None = Field(default=None, max_length=16)
    hyperparameters: Hyperparameters | None = None  # deprecated by OpenAI in favour of method; still honoured
    method: Method | None = None
    integrations: list[dict] | None = None  # accepted so clients that send [] work; none are run

    def chosen(self) -> Hyperparameters:
        """The hyperparameters given: method.supervised's, else the deprecated top-level ones."""
        if self.method is not None and self.method.supervised is not None:
            return self.method.supervised.hyperparameters
        return self.hyperparameters or Hyperparameters()


@dataclass
class Resolved:
    n_epochs: int
    batch_size: int
    learning_rate_multiplier: float

    def wire(self) -> dict[str, int | float]:
        multiplier = self.learning_rate_multiplier
        return {"n_epochs": self.n_epochs, "batch_size": self.batch_size, "learning_rate_multiplier": multiplier}


def resolve(given: Hyperparameters, examples: int) -> Resolved:
    """Every `auto` (or missing) hyperparameter replaced by its value for `examples` training examples."""
    auto_epochs = 3 if examples < 1000 else 2 if examples < 10000 else 1
    epochs = given.n_epochs if isinstance(given.n_epochs, int) else auto_epochs
    batch = given.batch_size if isinstance(given.batch_size, int) else 1 if examples < 64 else 8
    multiplier = given.learning_rate_multiplier
    return Resolved(epochs, batch, float(multiplier) if isinstance(multiplier, int | float) else 1.0)


def train_config(
    resolved: Resolved, *, base: str, data: str, validation: str | None, output_dir: str, examples: int, seed: int
) -> tuple[TrainConfig, dict[str, str]]:
    """The `looptune train` config of a job, and how each hyperparameter was mapped onto it."""
    steps = max(1, math.ceil(examples / resolved.batch_size) * resolved.n_epochs)
    config = TrainConfig(
        base_model=base,
        data=[data],
        eval_data=[validation] if validation else [],
        output_dir=output_dir,
        epochs=resolved.n_epochs,
        batch_size=1,
        grad_accumulation=resolved.batch_size,
        learning_rate=BASE_LEARNING_RATE * resolved.learning_rate_multiplier,
        seed=seed,
        save_steps=max(1, steps // 4),  # about four checkpoints a job, each listed and servable
        save_total_limit=4,
        eval_steps=max(1, steps // 4),
        logging_steps=max(1, min(5, steps // 20)),
    )
    mapping = {
        "n_epochs": f"epochs = {resolved.n_epochs}",
        "batch_size": f"grad_accumulation = {resolved.batch_size} (batch_size 1 per micro-batch)",
        "learning_rate_multiplier": f"learning_rate = {BASE_LEARNING_RATE:g} x {resolved.learning_rate_multiplier:g}",
        "seed": f"seed = {seed}",
    }
    return config, mapping
