"""LoRA / QLoRA SFT with TRL's SFTTrainer and PEFT, on pre-encoded examples (training.sft.data).

The examples already carry labels (-100 outside assistant turns), so TRL
neither re-renders nor re-masks them: what was checked is what is trained.
Checkpoints every `save_steps` (last `save_total_limit` kept) hold the
adapter, optimizer, scheduler and RNG states, are written under a temporary
name and renamed when complete (training.sft.checkpoints), so `resume`
continues a killed run from its newest complete checkpoint. With `share_prefix`, a row is a group
of examples whose shared prefix runs once (training.sft.groups). It knows
nothing of the CLI.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from training.sft.checkpoints import atomic_checkpoints, resume_point
from training.sft.compact import compact_trainer_class
from training.sft.config import TrainConfig
from training.sft.data import Example
from training.sft.groups import MIN_SHARED, GroupCollator, group_examples, group_rows
from training.sft.model import Base
from training.sft.warmstart import adapter_dir, check_shape, load_into

OnLog = Callable[[dict[str, Any]], None]
OnNotice = Callable[[str], None]


@dataclass
class TrainResult:
    steps: int
    train_loss: float | None
    seconds: float
    tokens: int  # tokens processed (prompt + trained), all epochs
    log: list[dict[str, Any]] = field(default_factory=list)
    resumed_from: str | None = None

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds if self.seconds else 0.0


def _dataset(examples: list[Example]):
    from datasets import Dataset

    labels = [[t if m else -100 for t, m in zip(e.input_ids, e.assistant_masks, strict=True)] for e in examples]
    return Dataset.from_dict({"input_ids": [e.input_ids for e in examples], "labels": labels})


def _train_data(config: TrainConfig, examples: list[Example]) -> tuple[Any, Any]:
    """(dataset, collator): one row per example, or per prefix-sharing group (TRL's collator, or ours)."""
    if config.share_prefix == 1:
        return _dataset(examples), None
    from datasets import Dataset

    groups = group_examples(examples, config.share_prefix, MIN_SHARED)
    return Dataset.from_dict(group_rows(groups)), GroupCollator()


def lora_config(config: TrainConfig, layers: int):
    """PEFT's LoraConfig for this config on a model of `layers` decoder layers (top `lora_layers` only if set)."""
    from peft import LoraConfig

    top = None
    if config.lora_layers is not None:
        top = list(range(max(0, layers - config.lora_layers), layers))
    return LoraConfig(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=config.target_modules,
        layers_to_transform=top,
        task_type="CAUSAL_LM",
    )


def _sft_args(config: TrainConfig, base: Base, has_eval: bool):
    from trl import SFTConfig

    cuda = base.device == "cuda"
    return SFTConfig(
        output_dir=config.output_dir,
        num_train_epochs=config.epochs,
        max_steps=config.max_steps,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size,
        gradient_accumulation_steps=config.grad_accumulation,
        **_checkpointing(config.gradient_checkpointing),
        learning_rate=config.learning_rate,
        lr_scheduler_type=config.lr_scheduler,
        warmup_steps=config.warmup_ratio,  # transformers 5: a float in [0, 1) is a ratio of the total steps
        weight_decay=config.weight_decay,
        logging_steps=config.logging_steps,
        save_strategy="steps",
        save_steps=config.save_steps,
        save_total_limit=config.save_total_limit,
        eval_strategy="steps" if has_eval else "no",
        eval_steps=config.eval_steps,
        seed=config.seed,
        data_seed=config.seed,
        report_to=[] if config.report_to == "none" else [config.report_to],
        bf16=cuda,
        optim="paged_adamw_8bit" if config.qlora else "adamw_torch",
        max_length=None,  # examples are already cut to max_length (training.sft.data)
        packing=False,
        dataset_kwargs={"skip_prepare_dataset": True},
        remove_unused_columns=False,
        disable_tqdm=True,
        use_cpu=not cuda,
        dataloader_pin_memory=cuda,
    )


def _checkpointing(enabled: bool) -> dict[str, Any]:  # Any: its one key is chosen at run time, by version
    """transformers 5 renamed gradient checkpointing to activation checkpointing (the old name warns)."""
    import dataclasses

    from trl import SFTConfig

    names = {f.name for f in dataclasses.fields(SFTConfig)}
    return {"activation_checkpointing" if "activation_checkpointing" in names else "gradient_checkpointing": enabled}


def train(
    config: TrainConfig,
    base: Base,
    train_examples: list[Example],
    eval_examples: list[Example],
    *,
    resume: bool = False,
    on_log: OnLog | None = None,
    on_notice: OnNotice | None = None,
    callbacks: list[Any] | None = None,
) -> tuple[Any, TrainResult]:
    """Fine-tune a LoRA on `train_examples`; returns the trainer (holding the PEFT model) and the figures."""
    from transformers import PrinterCallback, TrainerCallback
    from trl import SFTTrainer

    log: list[dict[str, Any]] = []

    started: dict[str, float] = {}

    class Relay(TrainerCallback):
        def on_step_begin(self, args, state, control, **kwargs):  # noqa: ARG002 - the callback signature
            started.setdefault("epoch", state.epoch or 0.0)  # after --resume, not 0: count this run's tokens only

        def on_log(self, args, state, control, logs=None, **kwargs):  # noqa: ARG002 - the callback signature
            entry = {"step": state.global_step, "max_steps": state.max_steps, **(logs or {})}
            log.append(entry)
            if on_log is not None:
                on_log(entry)

    checkpoint = resume_point(Path(config.output_dir), on_notice or (lambda _: None)) if resume else None
    trainer_class = atomic_checkpoints(compact_trainer_class() if config.loss_positions == "trained" else SFTTrainer)
    train_dataset, collator = _train_data(config, train_examples)
    peft_config = lora_config(config, base.model.config.num_hidden_layers)
    warm = adapter_dir(config.init_adapter) if config.init_adapter else None
    if warm is not None:
        check_shape(config, peft_config, warm)  # before the minutes of setup a mismatch would waste
    with _library_deprecations():
        trainer = trainer_class(
            model=base.model,
            args=_sft_args(config, base, bool(eval_examples)),
            data_collator=collator,
            train_dataset=train_dataset,
            eval_dataset=_dataset(eval_examples) if eval_examples else None,
            processing_class=base.tokenizer,
            peft_config=peft_config,
            callbacks=[Relay(), *(callbacks or [])],
        )
    if warm is not None:
        loaded = load_into(trainer.model, warm)
        if on_notice is not None:
            on_notice(f"LoRA starts from {warm} ({loaded} tensors)")
    trainer.remove_callback(PrinterCallback)  # progress is ours (on_log); its raw dicts would interleave
    began = time.perf_counter()
    with _library_deprecations():
        output = trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    seconds = time.perf_counter() - began
    steps = trainer.state.global_step
    tokens = _tokens_seen(train_examples, (trainer.state.epoch or 0.0) - started.get("epoch", 0.0))
    result = TrainResult(steps, output.training_loss, seconds, tokens, log, str(checkpoint) if checkpoint else None)
    return trainer, result


@contextmanager
def _library_deprecations() -> Iterator[None]:
    """Hide a deprecation TRL triggers inside transformers (nothing a user of looptune can change)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="`is_gradient_checkpointing` is deprecated", category=FutureWarning)
        yield


def _tokens_seen(examples: list[Example], epochs: float) -> int:
    """Tokens this run processed: the examples' tokens times the epochs it ran (a fraction for a partial one)."""
    return int(sum(len(e.input_ids) for e in examples) * epochs)
