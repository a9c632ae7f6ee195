"""Checkpoints that are whole or absent, and the one `--resume` continues from.

transformers writes `checkpoint-N` in place, file by file, so a kill during a
save leaves a directory that looks like a checkpoint and is not (`--resume`:
"Can't find a valid checkpoint"). Here the Trainer saves into a staging
directory (`.saving-N-XXXX/checkpoint-N`) that is renamed into place once its
last file (trainer_state.json) is written; old checkpoints are rotated after
that rename. Resuming removes staging leftovers and skips (removes) a torn
`checkpoint-N` an older version or another tool left, saying so in one line.
Several processes (accelerate launch) write one checkpoint together, each its
own files, so there the save stays in place and only the resume check applies.
It knows nothing of the data, the model or the CLI.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

PREFIX = "checkpoint-"
STAGING = ".saving-"
STATE = "trainer_state.json"  # the Trainer writes it last
WEIGHTS = ("adapter_model.safetensors", "adapter_model.bin", "model.safetensors", "pytorch_model.bin")

Notice = Callable[[str], None]


def step_of(path: Path) -> int | None:
    """N of a `checkpoint-N` directory; None for anything else."""
    tail = path.name.removeprefix(PREFIX)
    return int(tail) if path.name.startswith(PREFIX) and tail.isdigit() and path.is_dir() else None


def torn(checkpoint: Path) -> str | None:
    """Why `checkpoint` cannot be resumed from (None when it is complete)."""
    state = checkpoint / STATE
    if not state.is_file():
        return f"no {STATE}: its save was cut off"
    try:
        json.loads(state.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return f"{STATE} is cut off"
    if not any((checkpoint / name).is_file() for name in WEIGHTS):
        return "no weights"
    return None


def resume_point(output_dir: Path, notice: Notice) -> Path | None:
    """The newest complete checkpoint in `output_dir`; staging leftovers and torn checkpoints are removed."""
    for leftover in sorted(output_dir.glob(f"{STAGING}*")):
        shutil.rmtree(leftover, ignore_errors=True)
        notice(f"removed {leftover.name}: a checkpoint save that a kill cut off")
    steps = {p: step for p in output_dir.glob(f"{PREFIX}*") if (step := step_of(p)) is not None}
    found = sorted(steps, key=steps.__getitem__, reverse=True)
    for checkpoint in found:
        why = torn(checkpoint)
        if why is None:
            notice(f"resuming from {checkpoint.name}")
            return checkpoint
        # A torn checkpoint would also be counted by rotation and picked up by `eval --adapter out/checkpoint-*`.
        shutil.rmtree(checkpoint, ignore_errors=True)
        notice(f"skipped and removed torn {checkpoint.name} ({why})")
    notice(f"no complete checkpoint in {output_dir}: training starts at step 0")
    return None


def publish(staged: Path, target: Path) -> None:
    """Move a finished checkpoint into place (a torn one of the same name goes first)."""
    if target.exists():
        shutil.rmtree(target)
    staged.rename(target)


def atomic_checkpoints(trainer_class: type) -> type:
    """`trainer_class` saving each checkpoint under a temporary name, renamed when complete."""

    class AtomicCheckpoints(trainer_class):
        _staging: str | None = None

        def _get_output_dir(self, trial: Any) -> str:
            # While a checkpoint is saved, the Trainer's "run directory" is the staging one.
            return self._staging or super()._get_output_dir(trial)

        def _save_checkpoint(self, model: Any, trial: Any) -> None:
            if self.args.world_size > 1 or not self.args.should_save:
                super()._save_checkpoint(model, trial)
                return
            from transformers.trainer_utils import rotate_checkpoints

            run_dir = Path(super()._get_output_dir(trial))
            name = f"{PREFIX}{self.state.global_step}"
            staging = Path(tempfile.mkdtemp(prefix=f"{STAGING}{self.state.global_step}-", dir=run_dir))
            self._staging = str(staging)
            try:
                super()._save_checkpoint(model, trial)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            finally:
                self._staging = None
            publish(staging / name, run_dir / name)
            shutil.rmtree(staging, ignore_errors=True)
            rotate_checkpoints(
                output_dir=str(run_dir),
                save_total_limit=self.args.save_total_limit,
                best_model_checkpoint=self.state.best_model_checkpoint,
                use_mtime=True,
            )

    AtomicCheckpoints.__name__ = f"Atomic{trainer_class.__name__}"
    return AtomicCheckpoints
