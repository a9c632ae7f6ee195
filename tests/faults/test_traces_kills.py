"""Trace generation killed mid-run, with a trace line torn by the kill: a rerun resumes without duplicates or loss."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from eval.families import generate_tasks
from eval.tasks import parse_task, write_tasks
from tests.tracefiles import generate, traces_of

WAIT_S = 60


@pytest.fixture
def gate_fifo() -> Iterator[Path]:
    """A FIFO the sandbox's unprivileged user can open (pytest's tmp dirs are private)."""
    folder = Path(tempfile.mkdtemp(prefix="looptune-gate-"))
    folder.chmod(0o755)
    fifo = folder / "gate"
    os.mkfifo(fifo, 0o666)
    fifo.chmod(0o666)
    yield fifo
    shutil.rmtree(folder)


async def slow_episode_started(proc: subprocess.Popen, fifo: Path) -> int:
    """Opening a FIFO for writing returns once the slow episode opened it: the quick ones are written by then."""
    gate = -1
    try:
        with anyio.fail_after(WAIT_S):
            async with anyio.create_task_group() as tg:

                async def exited_early() -> None:
                    code = await anyio.to_thread.run_sync(proc.wait, abandon_on_cancel=True)
                    raise AssertionError(f"generation exited with {code} first: {proc.stderr.read()}")

                tg.start_soon(exited_early)
                gate = await anyio.to_thread.run_sync(os.open, fifo, os.O_WRONLY, abandon_on_cancel=True)
                tg.cancel_scope.cancel()
    finally:
        if gate < 0:  # free the abandoned writer thread, or the test process cannot exit
            os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
    return gate


def slow_task(fifo: Path) -> dict:
    """A task whose oracle call blocks until the test writes into `fifo` (or replaced by a quick one)."""
    code = f"print(open({str(fifo)!r}).read())" if fifo else "print('released')"
    return {
        "id": "slow",
        "category": "single_tool",
        "servers": ["sandbox"],
        "messages": [{"role": "user", "content": "run it"}],
        "expected_calls": [{"name": "sandbox__run_python", "arguments": {"code": code, "timeout_s": 50}}],
        "reference_answer": "It printed released.",
        "checks": [{"type": "answer_contains", "value": "released"}],
    }


def write_task_file(path: Path, quick: list, slow: dict) -> None:
    write_tasks(path, [*quick, parse_task(json.dumps(slow))])


@pytest.mark.anyio
async def test_a_killed_generation_resumes_without_duplicates_or_loss(tmp_path, gate_fifo):
    fifo = gate_fifo
    quick = generate_tasks(["single_tool", "no_tool"], "train", 5, seed=2)
    tasks, out = tmp_path / "tasks.jsonl", tmp_path / "traces.jsonl"
    write_task_file(tasks, quick, slow_task(fifo))
    command = [sys.executable, "-m", "agent.cli.main", "traces", "generate", "--tasks", str(tasks)]
    command += ["--teacher", "oracle", "-o", str(out), "--jobs", "1"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        gate = await slow_episode_started(proc, fifo)
        proc.send_signal(signal.SIGKILL)
        proc.wait(WAIT_S)
    finally:
        proc.kill()
        proc.stderr.close()
    os.close(gate)  # the orphaned sandbox run reads EOF and exits
    assert len(traces_of(out)) == 5
    with open(out, "ab") as handle:
        handle.write(b'{"messages": [{"role": "us')  # a kill in the middle of a write
    write_task_file(tasks, quick, slow_task(None))
    assert await anyio.to_thread.run_sync(generate, tasks, out) == 0
    ids = [t["meta"]["task_id"] for t in traces_of(out)]
    assert sorted(ids) == sorted([t.id for t in quick] + ["slow"])
    assert await anyio.to_thread.run_sync(generate, tasks, out) == 0  # nothing left to do
    assert len(traces_of(out)) == 6
