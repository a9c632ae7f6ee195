"""Bundled servers: cold start of all six in parallel, and per-call latency of each one's cheapest tool.

Run: `.venv/bin/python bench/servers.py [--calls 50] [--starts 5]`. Cold start
is timed from entering the hub to every server listing its tools, for stdio
processes and for in-process servers (the per-episode mount); the baseline
for call latency is the toy server's `echo` through the same hub.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import anyio

from agent.environments import bundled_configs
from agent.hub import Hub
from agent.registry import ServerConfig

TOY = Path(__file__).resolve().parent.parent / "tests" / "servers" / "toy.py"
CHEAPEST = {
    "knowledge": ("search", {"query": "anything"}),
    "files": ("list_dir", {}),
    "sandbox": ("run_python", {"code": "pass"}),
    "sql": ("list_tables", {}),
    "calc": ("evaluate", {"expression": "1 + 1"}),
    "tasks": ("list_tasks", {}),
}


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def cold_start(inproc: bool, starts: int) -> list[float]:
    times = []
    for _ in range(starts):
        with tempfile.TemporaryDirectory() as state:
            began = time.perf_counter()
            async with Hub(bundled_configs(state, inproc=inproc)) as hub:
                times.append(time.perf_counter() - began)
                down = [s.name for s in hub.status() if s.state != "up"]
                assert not down, f"servers failed to start: {down}"
    return times


async def call_latency(calls: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as state:
        servers = {**bundled_configs(state, inproc=False), "toy": ServerConfig(command=sys.executable, args=[str(TOY)])}
        async with Hub(servers) as hub:
            plan = {f"{name}__{tool}": args for name, (tool, args) in CHEAPEST.items()}
            plan["toy__echo"] = {"text": "baseline"}
            return {name: await _calls(hub, name, args, calls) for name, args in plan.items()}


async def _calls(hub: Hub, name: str, args: dict, n: int) -> list[float]:
    await hub.call(name, args)  # warm-up
    out = []
    for _ in range(n):
        outcome = await hub.call(name, args)
        assert not outcome.is_error, f"{name}: {outcome.text}"
        out.append(outcome.duration_s)
    return out


async def main(calls: int, starts: int) -> None:
    stdio, inproc = await cold_start(False, starts), await cold_start(True, starts)
    print(f"cold start, all six in parallel (median of {starts}):")
    print(f"  stdio processes: {statistics.median(stdio):.3f} s   (min {min(stdio):.3f} s)")
    print(f"  in-process:      {statistics.median(inproc):.3f} s   (min {min(inproc):.3f} s)")
    print(f"  ratio stdio/in-process: {statistics.median(stdio) / statistics.median(inproc):.1f}x (target < 1.5 s)")
    latencies = await call_latency(calls)
    base = statistics.median(latencies.pop("toy__echo"))
    print(f"per-call latency over stdio, {calls} calls each (baseline toy__echo p50 {base * 1e3:.2f} ms):")
    for name, samples in latencies.items():
        p50, p95 = statistics.median(samples), pct(samples, 0.95)
        print(f"  {name:<22} p50 {p50 * 1e3:8.2f} ms  p95 {p95 * 1e3:8.2f} ms  ({p50 / base:.1f}x baseline)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args()
    anyio.run(main, args.calls, args.starts)
