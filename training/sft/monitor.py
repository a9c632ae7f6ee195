"""What a running `looptune train` tells whoever supervises it, and how it is asked to stop.

A supervisor (the fine-tuning job runner behind `looptune serve`, a script)
passes `--events FILE` and `--stop-file FILE`. The run appends one JSON object
per line to the events file as things happen, each flushed at once so a reader
tailing the file never waits for a buffer:

    {"type": "start", "max_steps": 120, "resumed_from": "checkpoint-40" | null, "time": ...}
    {"type": "metrics", "step": 45, "max_steps": 120, "loss": 0.41, "tokens_per_s": 350.2, "eta_s": 210.0, ...}
    {"type": "checkpoint", "step": 50, "path": ".../checkpoint-50", "loss": 0.39, "time": ...}
    {"type": "stopped", "step": 52, "checkpoint": ".../checkpoint-52", "time": ...}
    {"type": "done", "steps": 120, "train_loss": 0.35, "tokens": 41000, "seconds": 118.2, "adapter": "...", ...}

When the stop file exists at the end of a step, the run saves a checkpoint,
stops and exits with `STOPPED` without writing a final adapter; `--resume`
continues it. It knows nothing of jobs, HTTP or databases.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STOPPED = 3  # the exit code of a run stopped through its stop file (a checkpoint holds where it was)


@dataclass
class Monitor:
    events: Path | None = None  # JSON lines appended as the run goes (None: nothing written)
    stop_file: Path | None = None  # its existence asks the run to checkpoint and stop
    stopped_at: int | None = None  # the step a stop request ended the run at
    _began: float = field(default_factory=time.perf_counter)
    _first_step: int = 0  # where this process began (after --resume, not 0)
    _last: tuple[float, float] | None = None  # (time, tokens) at the previous metrics event

    def emit(self, kind: str, **fields: Any) -> None:
        """Append one event (with the wall-clock time) to the events file, if there is one."""
        if self.events is None:
            return
        line = json.dumps({"type": kind, **fields, "time": round(time.time(), 3)}) + "\n"
        with self.events.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()

    def stop_requested(self) -> bool:
        return self.stop_file is not None and self.stop_file.exists()

    def started(self, step: int, max_steps: int) -> None:
        self._began, self._first_step = time.perf_counter(), step
        self.emit("start", step=step, max_steps=max_steps)

    def metrics(self, entry: dict[str, Any]) -> None:
        """A logged step as a metrics event: loss, throughput and the time left at this run's pace."""
        if "loss" not in entry and "eval_loss" not in entry:
            return
        now, step, total = time.perf_counter(), int(entry["step"]), int(entry.get("max_steps") or 0)
        elapsed = now - self._began
        per_step = elapsed / max(step - self._first_step, 1)
        fields: dict[str, Any] = {"step": step, "max_steps": total, "elapsed_s": round(elapsed, 2)}
        fields["eta_s"] = round(per_step * max(total - step, 0), 1) if total else None
        fields |= {key: entry[key] for key in ("loss", "eval_loss", "learning_rate", "grad_norm") if key in entry}
        if "num_tokens" in entry:  # cumulative, restored on resume: the rate comes from the difference
            tokens = float(entry["num_tokens"])
            if self._last is not None and now > self._last[0]:
                fields["tokens_per_s"] = round((tokens - self._last[1]) / (now - self._last[0]), 1)
            self._last = (now, tokens)
            fields["tokens"] = int(tokens)
        self.emit("metrics", **fields)


def callback(monitor: Monitor, output_dir: str) -> Any:
    """A transformers TrainerCallback reporting to `monitor` and honouring its stop file."""
    from transformers import TrainerCallback

    class Supervised(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):  # noqa: ARG002 - the callback signature
            monitor.started(state.global_step, state.max_steps)

        def on_step_end(self, args, state, control, **kwargs):  # noqa: ARG002 - the callback signature
            if monitor.stop_requested():
                monitor.stopped_at = state.global_step
                control.should_save = True  # the checkpoint `--resume` will continue from
                control.should_training_stop = True
            return control

        def on_save(self, args, state, control, **kwargs):  # noqa: ARG002 - the callback signature
            path = str(Path(output_dir) / f"checkpoint-{state.global_step}")
            losses = [e["loss"] for e in state.log_history if "loss" in e]
            monitor.emit("checkpoint", step=state.global_step, path=path, loss=losses[-1] if losses else None)
            if monitor.stopped_at is not None:
                monitor.emit("stopped", step=state.global_step, checkpoint=path)

    return Supervised()
