"""`looptune eval --jobs N` with a real model: wall time and scores, --jobs 1 against --jobs N in the same run.

Run: `.venv/bin/python bench/eval_jobs.py [--tasks docs/results/heldout-test.jsonl] [--n 100] [--jobs 4]
[-- EXTRA EVAL FLAGS]`. Both runs are real `looptune eval` processes (every bundled server mounted, the
shipped adapter, `--max-tokens 384`) over the first `--n` tasks. Concurrent episodes share the model's
forward passes (the local backend batches live turns), and their tool calls overlap. Target: >= 2.5x
faster with --jobs 4, the same completion; the tasks whose outcome differs are listed (batched matrix
products may round differently, which can flip a greedy choice).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_eval(tasks: Path, out: Path, jobs: int, extra: list[str]) -> tuple[float, dict[str, bool]]:
    """(wall seconds, task id -> completed) of one eval run."""
    command = [sys.executable, "-m", "agent.cli.main", "eval", str(tasks), "--max-tokens", "384"]
    command += ["--jobs", str(jobs), "-o", str(out), *extra]
    began = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, timeout=7200)
    wall = time.perf_counter() - began
    done = {}
    for line in (out / "episodes.jsonl").read_text().splitlines():
        record = json.loads(line)
        done[record["task_id"]] = bool(record["passed"])
    return wall, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=Path, default=Path("docs/results/heldout-test.jsonl"))
    parser.add_argument("--n", type=int, default=100, help="the first N tasks of the file")
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--keep", type=Path, help="write both runs under this folder (default: a temporary one)")
    parser.add_argument("extra", nargs="*", help="more `looptune eval` flags (after --)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        subset = Path(folder) / "tasks.jsonl"
        lines = [line for line in args.tasks.read_text().splitlines() if line.strip()][: args.n]
        subset.write_text("\n".join(lines) + "\n")
        print(f"{len(lines)} tasks of {args.tasks}; extra flags: {' '.join(args.extra) or 'none'}", flush=True)
        one_wall, one = run_eval(subset, Path(folder) / "jobs1", 1, args.extra)
        print(f"--jobs 1: {one_wall:7.1f} s  completion {sum(one.values()) / len(one):.1%}", flush=True)
        many_wall, many = run_eval(subset, Path(folder) / f"jobs{args.jobs}", args.jobs, args.extra)
        print(f"--jobs {args.jobs}: {many_wall:7.1f} s  completion {sum(many.values()) / len(many):.1%}")
        print(f"speed-up: {one_wall / many_wall:.2f}x (target >= 2.5x at --jobs 4)")
        differ = sorted(task for task in one if one[task] != many.get(task))
        print(f"outcomes that differ: {len(differ)}" + (f" ({', '.join(differ)})" if differ else ""))


if __name__ == "__main__":
    main()
