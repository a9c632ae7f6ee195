"""`looptune serve` under load: latency, throughput, errors and memory at 1, 4 and 16 concurrent clients.

Run: `.venv/bin/python bench/serve_load.py [--model tiny|bundled|DIR] [--requests 8] [--max-tokens 24]`.
The server runs as its own process on loopback; each client sends
`--requests` chat requests (one tool, greedy, a fixed question) one after
another. One model serves one request at a time, so more clients mean more
queueing: requests/s should hold while latency grows. Baseline, same run:
the same request through the in-process backend (`complete()`), and the
ratio of HTTP to in-process latency at 1 client (target <= 1.10). Peak RSS
is the server process's VmHWM. Errors must be 0 (the wait line is sized
for 16 clients).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from agent.backends import ChatRequest, complete
from agent.backends.local.backend import LocalBackend
from agent.messages import ToolSpec, UserMessage
from agent.models.loader import load_model
from agent.models.shipped import resolve_adapter
from agent.models.source import resolve

TOOL = {
    "type": "function",
    "function": {
        "name": "clock__now",
        "description": "Current time in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
QUESTION = "What should I pack for a weekend in Lisbon?"


def body(model: str, max_tokens: int) -> dict:
    messages = [{"role": "user", "content": QUESTION}]
    return {"model": model, "messages": messages, "tools": [TOOL], "max_tokens": max_tokens, "temperature": 0}


def start(model: str) -> tuple[subprocess.Popen, str]:
    command = [sys.executable, "-m", "agent.cli.main", "serve", "--model", model, "--port", "0", "--max-waiting", "32"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    timer = threading.Timer(300, proc.kill)
    timer.start()
    line = proc.stdout.readline() if proc.stdout else ""
    timer.cancel()
    found = re.search(r"(http://\S+/v1)", line)
    if not found:
        proc.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    threading.Thread(target=proc.stdout.read, daemon=True).start()
    return proc, found.group(1)


async def clients(url: str, model: str, count: int, requests: int, max_tokens: int) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0

    async def one(http: httpx.AsyncClient) -> None:
        nonlocal errors
        for _ in range(requests):
            began = time.perf_counter()
            response = await http.post(f"{url}/chat/completions", json=body(model, max_tokens))
            if response.status_code == 200:
                latencies.append(time.perf_counter() - began)
            else:
                errors += 1

    began = time.perf_counter()
    limits = httpx.Limits(max_connections=count)
    async with httpx.AsyncClient(timeout=600, limits=limits) as http:
        await asyncio.gather(*(one(http) for _ in range(count)))
    return latencies, errors, time.perf_counter() - began


def direct(model: str, requests: int, max_tokens: int) -> float:
    """Median in-process latency of the same request (the baseline), with the adapter the server uses."""
    backend = LocalBackend(load_model(resolve(model)))
    adapter = resolve_adapter(None, model)  # the shipped adapter on the bundled model, as `looptune serve`
    if adapter:
        backend.load_adapter(adapter)
    request = ChatRequest([UserMessage(content=QUESTION)], [ToolSpec.model_validate(TOOL)], 0, max_tokens=max_tokens)

    async def timed() -> list[float]:
        times = []
        for _ in range(requests + 1):
            began = time.perf_counter()
            await complete(backend, request)
            times.append(time.perf_counter() - began)
        return times

    return statistics.median(asyncio.run(timed())[1:])  # the first fills the prefix cache, as the warm-up does


def peak_rss(pid: int) -> float:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", text).group(1)) / 2**20  # GiB


def tiny_model(folder: Path) -> str:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from agent.models.loader import bundled_tokenizer
    from tests.tiny import save_tiny

    return str(save_tiny(folder / "tiny", bundled_tokenizer()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny", help="tiny, bundled or a model directory")
    parser.add_argument("--requests", type=int, default=8, help="requests per client")
    parser.add_argument("--max-tokens", type=int, default=24)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        model = tiny_model(Path(folder)) if args.model == "tiny" else args.model
        inproc = direct(model, args.requests, args.max_tokens)
        proc, url = start(model)
        try:
            served = httpx.get(f"{url}/models", timeout=30).json()["data"][0]["id"]
            asyncio.run(clients(url, served, 1, 1, args.max_tokens))  # warm-up: prefix cache, first-call costs
            print(f"model {args.model}; {args.requests} requests per client, {args.max_tokens} tokens each")
            single = None
            for count in (1, 4, 16):
                latencies, errors, wall = asyncio.run(clients(url, served, count, args.requests, args.max_tokens))
                p50 = statistics.median(latencies)
                p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) > 1 else p50
                single = single or p50
                rate = len(latencies) / wall
                figures = f"p50 {p50 * 1e3:7.0f} ms  p95 {p95 * 1e3:7.0f} ms  {rate:6.2f} req/s"
                print(f"{count:2d} clients: {figures}  errors {errors}")
            print(f"server peak RSS {peak_rss(proc.pid):.2f} GiB")
            ratio = f"ratio {single / inproc:.2f}"
            print(f"1 client: HTTP p50 {single * 1e3:.0f} ms vs in-process {inproc * 1e3:.0f} ms: {ratio}")
        finally:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    main()
