"""Hub overhead: N calls of a trivial tool through the hub vs the raw `mcp.Client`, same process.

Run: `.venv/bin/python bench/hub_overhead.py [--n 500]`. Prints per-call times
and the ratio hub/raw (target <= 1.15). Both sides use the same stdio server
and the same (initialize-handshake) protocol mode, so the ratio is the cost of
naming, schema validation, result rendering and supervision.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import anyio
from mcp import Client, StdioServerParameters

from agent.hub import Hub
from agent.registry import ServerConfig

TOY = Path(__file__).resolve().parent.parent / "tests" / "servers" / "toy.py"


async def time_raw(n: int) -> list[float]:
    params = StdioServerParameters(command=sys.executable, args=[str(TOY)])
    async with Client(params, mode="legacy") as client:
        await client.call_tool("echo", {"text": "warm-up"})
        return [await _timed(client.call_tool("echo", {"text": f"call {i}"})) for i in range(n)]


async def time_hub(n: int) -> list[float]:
    async with Hub({"toy": ServerConfig(command=sys.executable, args=[str(TOY)])}) as hub:
        await hub.call("toy__echo", '{"text": "warm-up"}')
        return [await _timed(hub.call("toy__echo", f'{{"text": "call {i}"}}')) for i in range(n)]


async def _timed(awaitable) -> float:
    started = time.perf_counter()
    await awaitable
    return time.perf_counter() - started


def summary(name: str, samples: list[float]) -> float:
    mean = statistics.fmean(samples)
    p50 = statistics.median(samples)
    p95 = statistics.quantiles(samples, n=20)[-1]
    print(f"{name:>4}: mean {mean * 1e3:.3f} ms  p50 {p50 * 1e3:.3f} ms  p95 {p95 * 1e3:.3f} ms  (n={len(samples)})")
    return mean


async def main(n: int, rounds: int) -> None:
    raw, hub = [], []
    # Interleaved rounds, so drift on a shared machine hits both sides alike.
    for _ in range(rounds):
        raw += await time_raw(n // rounds)
        hub += await time_hub(n // rounds)
    ratio = summary("hub", hub) / summary("raw", raw)
    print(f"ratio hub/raw: {ratio:.3f} (target <= 1.15)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    anyio.run(main, args.n, args.rounds)
