"""Eval throughput: episodes per minute with the scripted (oracle) backend, --jobs 1 vs --jobs 4.

Run: `.venv/bin/python bench/eval_throughput.py [--n 120] [--stdio-n 24]`.
It drives `eval.suite.run_suite` exactly as `looptune eval` does: fresh real
servers per episode, the oracle through the real loop, the checks, scoring,
both journals, then the report (json + html) rebuilt from the journal. The
baseline is --jobs 1 in the same process; the ratio is what concurrency buys
here. Model time is zero, so this is the harness's own cost per episode.
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
from eval.report.build import build_report, write_reports
from eval.rundir import RunDir, RunSettings
from eval.suite import run_suite
from mcp_servers import BUNDLED


def per_minute(tasks: list, jobs: int, inproc: bool) -> tuple[float, float, float]:
    """(episodes per minute, completion, report seconds) for one run into a temp run directory."""
    with tempfile.TemporaryDirectory() as folder:
        run = RunDir(Path(folder))
        settings = RunSettings(
            tasks="bench", tasks_sha256="-", task_count=len(tasks), backend="oracle", jobs=jobs, inproc=inproc
        )
        run.save_settings(settings)
        began = time.perf_counter()
        anyio.run(lambda: run_suite(tasks, oracle_backend, run, settings, pool=BUNDLED))
        elapsed = time.perf_counter() - began
        began = time.perf_counter()
        report = build_report(run)
        write_reports(run, report)
        reporting = time.perf_counter() - began
    return len(tasks) / elapsed * 60, report["metrics"]["overall"]["completion"], reporting


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=120, help="test tasks for the in-process runs")
    parser.add_argument("--stdio-n", type=int, default=24, help="test tasks for the stdio-subprocess runs")
    args = parser.parse_args()
    print(f"cpus: {os.cpu_count()}")
    for label, n, inproc in (("in-process", args.n, True), ("stdio", args.stdio_n, False)):
        tasks = generate_tasks(None, "test", n, seed=11)
        base, done1, _ = per_minute(tasks, 1, inproc)
        fast, done4, report_s = per_minute(tasks, 4, inproc)
        print(
            f"{label:10s} {n} tasks: jobs 1 {base:6.0f}/min (completion {done1:.0%})  "
            f"jobs 4 {fast:6.0f}/min (completion {done4:.0%})  ratio {fast / base:.2f}x  report {report_s:.2f} s"
        )


if __name__ == "__main__":
    main()
