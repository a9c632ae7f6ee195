"""Oracle trace generation throughput: episodes per minute with --jobs 1 vs --jobs 4.

Run: `.venv/bin/python bench/tracegen.py [--n 120] [--stdio-n 24]`. Each
episode starts fresh real servers, runs the hidden setup, plays the oracle
through the real loop and runs the checks. Two server modes: in-process (what
`traces generate` uses: no interpreter start per episode) and stdio
subprocesses (what a user's own servers cost). The baseline is --jobs 1 in the
same run; the ratio says what concurrency buys on this machine.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import anyio

from eval.families import generate_tasks
from eval.oracle import oracle_backend
from eval.runner import EpisodeConfig
from training.traces.generate import generate_traces


def per_minute(tasks: list, jobs: int, inproc: bool) -> tuple[float, int]:
    """(episodes per minute, kept) for one generation run into a temp file."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "traces.jsonl"
        began = time.perf_counter()
        config = EpisodeConfig(inproc=inproc)
        summary = anyio.run(
            lambda: generate_traces(tasks, oracle_backend, out, teacher="oracle", jobs=jobs, config=config)
        )
        elapsed = time.perf_counter() - began
    return len(tasks) / elapsed * 60, summary.kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=120, help="tasks for the in-process runs")
    parser.add_argument("--stdio-n", type=int, default=24, help="tasks for the stdio-subprocess runs")
    args = parser.parse_args()
    print(f"cpus: {os.cpu_count()}")
    for label, n, inproc in (("in-process", args.n, True), ("stdio", args.stdio_n, False)):
        tasks = generate_tasks(None, "train", n, seed=11)
        base, kept = per_minute(tasks, 1, inproc)
        fast, kept4 = per_minute(tasks, 4, inproc)
        print(
            f"{label:10s} {n} tasks: jobs 1 {base:8.0f}/min (kept {kept})  jobs 4 {fast:8.0f}/min (kept {kept4})"
            f"  ratio {fast / base:.2f}x"
        )


if __name__ == "__main__":
    main()
