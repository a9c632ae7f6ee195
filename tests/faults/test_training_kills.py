"""Training killed: mid-run, mid-save of a checkpoint, or leaving a torn checkpoint behind; `--resume` carries on.

A checkpoint on disk is whole or absent (saved under a temporary name, then
renamed); a torn `checkpoint-N` left by an older version is skipped with a
one-line notice naming it, and the run resumes from the newest complete one.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.trainrun import TIMEOUT_S, looptune_train, write_config

# `looptune train`, except that saving checkpoint-4's optimizer state kills the process (SIGKILL):
# the adapter of checkpoint-4 is on disk by then, its optimizer, scheduler and trainer state are not.
KILLED_IN_SAVE = """
import os, signal, sys
import torch

real_save = torch.save

def save(obj, f, *args, **kwargs):
    if str(f).endswith(os.path.join("checkpoint-4", "optimizer.pt")):
        os.kill(os.getpid(), signal.SIGKILL)
    return real_save(obj, f, *args, **kwargs)

torch.save = save
from agent.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def logged_steps(out: Path) -> list[int]:
    log = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
    return [e["step"] for e in log if "loss" in e]


def test_a_run_killed_mid_way_resumes_from_its_last_checkpoint(tmp_path, tiny_model_dir):
    config = write_config(tmp_path, tiny_model_dir, max_steps=6, save_steps=2)
    command = [sys.executable, "-m", "agent.cli.main", "train", str(config)]
    proc = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    checkpoint = tmp_path / "out" / "checkpoint-4" / "trainer_state.json"
    deadline = time.monotonic() + TIMEOUT_S
    while not checkpoint.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # polling another process's files; bounded by the deadline
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=TIMEOUT_S)
    assert checkpoint.exists() and not (tmp_path / "out" / "adapter_model.safetensors").exists()

    done = looptune_train(str(config), "--resume", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    steps = logged_steps(tmp_path / "out")
    assert steps[0] > 4 and steps[-1] == 6  # the resumed run logged only the steps after its checkpoint
    state = json.loads((tmp_path / "out" / "checkpoint-6" / "trainer_state.json").read_text())
    assert state["global_step"] == 6


def test_a_kill_during_a_checkpoint_save_leaves_no_torn_checkpoint_and_resume_skips_an_old_torn_one(
    tmp_path, tiny_model_dir
):
    config = write_config(tmp_path, tiny_model_dir, max_steps=6, save_steps=2)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_IN_SAVE, "train", str(config)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    out = tmp_path / "out"
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert (out / "checkpoint-2" / "trainer_state.json").is_file()
    assert not (out / "checkpoint-4").exists()  # the save it was killed in never became a checkpoint
    # What a kill leaves when checkpoints are written in place (an older looptune): a checkpoint-3 with no state.
    (out / "checkpoint-3").mkdir()
    (out / "checkpoint-3" / "adapter_config.json").write_text("{}")

    done = looptune_train(str(config), "--resume", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "skipped and removed torn checkpoint-3 (no trainer_state.json: its save was cut off)" in done.stderr
    assert "a checkpoint save that a kill cut off" in done.stderr and "resuming from checkpoint-2" in done.stderr
    assert "Traceback" not in done.stderr
    assert logged_steps(out)[0] == 3 and logged_steps(out)[-1] == 6
    kept = sorted(p.name for p in out.iterdir() if p.name.startswith((".saving", "checkpoint")))
    assert kept == ["checkpoint-2", "checkpoint-4", "checkpoint-6"]
    assert json.loads((out / "checkpoint-6" / "trainer_state.json").read_text())["global_step"] == 6
