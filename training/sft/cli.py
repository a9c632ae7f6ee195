"""`looptune train CONFIG.yaml [--key value ...]`: a typed `TrainConfig` in; adapter, template, model card and
curves out.

`run_training` saves the config next to the outputs, encodes and checks the
data, trains with a progress line (loss, tokens/s, ETA), and writes the final
adapter plus everything needed to serve it into the output directory. The
work is in training.sft.{data,model,trainer,outputs}. The CLI
(agent/cli/train_cmd.py) resolves the config from YAML and flags; this module
knows no flags and no argv.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from agent.errors import LooptuneError
from agent.settings import SettingsError
from training.sft.config import TrainConfig, save_config
from training.sft.data import DataReport, Example, load_examples, split
from training.sft.groups import MIN_SHARED, Group, group_examples, summary, take
from training.sft.memory import GIB, Shape, estimate, shape_of
from training.sft.monitor import STOPPED, Monitor

if TYPE_CHECKING:
    from training.sft.model import Base  # torch and transformers load with the model, not with this module

err = Console(stderr=True, highlight=False, soft_wrap=True)
Data = tuple[DataReport, list[Example], list[Example]]  # the report, the training and the evaluation examples


def run_training(
    config: TrainConfig,
    *,
    resume: bool = False,
    push: tuple[str, str] | None = None,
    monitor: Monitor | None = None,
) -> int:
    """Train; exit 0 with the adapter written, 2 on a bad config or data, STOPPED when `monitor`'s stop file
    ended the run (checkpointed, no adapter written). `resume` continues from the newest checkpoint in
    output_dir; `push` = (base URL, name) hot-loads the adapter into a running server after; `monitor`
    reports progress to a supervisor (training.sft.monitor)."""
    monitor = monitor or Monitor()
    if push:
        _check_push(push[0])
    out = Path(config.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    save_config(config, out)
    from training.sft.model import load_base

    try:
        base = load_base(config.base_model, qlora=config.qlora)
    except ValueError as exc:  # a ModelError, or transformers refusing the model: a bad base_model either way
        raise SettingsError(str(exc)) from exc
    data = _data(config, base)
    written = _train(config, base, data, resume, monitor)  # a ConfigError (an init_adapter of another shape): exit 2
    if monitor.stopped_at is not None:
        err.print(Text(f"stopped on request at step {monitor.stopped_at}; --resume continues from its checkpoint"))
        return STOPPED
    if push and written is not None:
        _push(push, written)
    return 0


def _data(config: TrainConfig, base: Base) -> Data:
    report = load_examples(config.data, base.tokenizer, base.template, config.max_length)
    held = load_examples(config.eval_data, base.tokenizer, base.template, config.max_length).examples
    train, carved = split(report.examples, config.eval_split, config.seed)
    if config.max_examples and config.share_prefix > 1:
        train = take(train, config.max_examples, config.share_prefix, config.seed)
    elif config.max_examples:
        train = train[: config.max_examples]
    if not train:
        raise SettingsError(
            f"no usable training examples in {', '.join(config.data)} (skipped: {dict(report.skipped)})"
        )
    skipped = ", ".join(f"{n} {why}" for why, n in report.skipped.items())
    tokens = sum(len(e.input_ids) for e in train)
    trained = sum(e.trained_tokens for e in train)
    err.print(
        f"data: {len(train)} examples, {tokens} tokens ({trained} trained)"
        + (f"; skipped {skipped}" if skipped else "")
    )
    groups = group_examples(train, config.share_prefix, MIN_SHARED)
    if config.share_prefix > 1:
        err.print(summary(groups))
    err.print(memory_line(config, shape_of(base.model.config.to_dict()), base.device, groups, trained / tokens))
    return report, train, held + carved


def memory_line(config: TrainConfig, shape: Shape, device: str, groups: list[Group], scored: float) -> str:
    """The memory estimate for the run's largest step: a group keeps every member's activations until backward."""
    step = max(g.tokens for g in groups) * config.batch_size  # sharing needs batch_size 1 (the config checks)
    result = estimate(
        shape,
        quant="4bit" if config.qlora else "none",
        rank=config.lora_r,
        seq=step,
        checkpointing=config.gradient_checkpointing,
        device=device,
        lora_layers=config.lora_layers,
        scored=scored if config.loss_positions == "trained" else 1.0,
    )
    return f"memory: ~{result.total / GIB:.1f} GiB estimated for the largest step ({step} tokens kept for backward)"


def _train(config: TrainConfig, base: Base, data: Data, resume: bool, monitor: Monitor) -> Path | None:
    from training.sft.monitor import callback
    from training.sft.outputs import write_outputs
    from training.sft.trainer import train

    report, train_examples, eval_examples = data
    began = time.perf_counter()

    def show(entry: dict) -> None:
        monitor.metrics(entry)
        if "loss" not in entry and "eval_loss" not in entry:
            return
        step, total = entry["step"], entry["max_steps"] or 1
        elapsed = time.perf_counter() - began
        eta = elapsed / max(step, 1) * (total - step)
        loss = f"loss {entry['loss']:.4f}" if "loss" in entry else f"eval loss {entry['eval_loss']:.4f}"
        speed = f"  {float(entry['num_tokens']) / elapsed:.0f} tok/s" if "num_tokens" in entry else ""
        err.print(Text(f"step {step}/{total}  {loss}{speed}  elapsed {elapsed / 60:.1f} min  eta {eta / 60:.1f} min"))

    trainer, result = train(
        config,
        base,
        train_examples,
        eval_examples,
        resume=resume,
        on_log=show,
        on_notice=lambda m: err.print(Text(m)),
        callbacks=[callback(monitor, config.output_dir)],
    )
    # Under accelerate launch, rank 0 alone writes the outputs; a stopped run writes none (its checkpoint holds it).
    if monitor.stopped_at is not None or not trainer.is_world_process_zero():
        return None
    written = write_outputs(trainer, result, config, base, report, train_examples)
    done = {"steps": result.steps, "train_loss": result.train_loss, "tokens": result.tokens}
    monitor.emit("done", **done, seconds=round(result.seconds, 2), adapter=str(written))
    del trainer  # the eval below runs in this process: let the optimizer state go first
    if config.eval_tasks:
        from training.sft.evaluate import evaluate_adapter

        evaluate_adapter(config.eval_tasks, written, config.base_model)
    speed = f"{result.steps} steps, {result.seconds / 60:.1f} min, {result.tokens_per_s:.0f} tok/s"
    err.print(Text(f"adapter: {written}  ({speed})"))
    print(json.dumps({"adapter": str(written), "steps": result.steps, "train_loss": result.train_loss}))
    return written


def _check_push(url: str) -> None:
    from agent.serve.push import PushError, check_reachable

    try:
        check_reachable(url)
    except PushError as exc:
        raise SettingsError(f"--push-to: the server does not answer, so nothing was trained: {exc}") from exc


def _push(target: tuple[str, str], adapter: Path) -> None:
    from agent.serve.push import PushError, push_adapter

    url, name = target
    try:
        answer = push_adapter(url, name, adapter)
    except PushError as exc:
        raise LooptuneError(f"the adapter is saved in {adapter}, but --push-to failed: {exc}") from exc
    err.print(Text(f"pushed to {url} as {name}: {answer}"))
