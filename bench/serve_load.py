"""`looptune serve` under load: latency, throughput, errors and memory at 1, 4, 8 and 16 concurrent clients.

Run: `.venv/bin/python bench/serve_load.py [--model tiny|bundled|DIR] [--requests 8] [--max-tokens 24]
[--max-batch 8] [--quant fp32|int8|int4]`. The server runs as its own process on loopback; each client
sends `--requests` chat requests (one tool, greedy, a fixed question) one after another. Requests for the
same model are decoded together, up to `--max-batch` per forward pass, so more clients should mean more
requests/s: the target is >= 3x the 1-client rate at 8 clients, with the 1-client p50 unchanged against
`--max-batch 1` (the one-at-a-time server, measured in the same run unless `--no-baseline`). Also in the
same run: the same request through the in-process backend (`complete()`), and the ratio of HTTP to
in-process latency at 1 client (target <= 1.10). Peak RSS is the server process's VmHWM. Errors must be 0
(the wait line is sized for 16 clients).
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
from agent.backends.local.backend import LocalBackend, LocalSettings
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


def start(model: str, max_batch: int, quant: str) -> tuple[subprocess.Popen, str]:
    command = [sys.executable, "-m", "agent.cli.main", "serve", "--model", model, "--port", "0", "--max-waiting", "32"]
    command += ["--max-batch", str(max_batch), "--quant", quant]
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


def direct(model: str, requests: int, max_tokens: int, quant: str) -> float:
    """Median in-process latency of the same request (the baseline), with the adapter the server uses."""
    backend = LocalBackend(load_model(resolve(model)), LocalSettings(quant=quant))
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


def load(url: str, served: str, count: int, requests: int, max_tokens: int) -> tuple[float, float, float, int]:
    """(p50 s, p95 s, requests/s, errors) with `count` clients."""
    latencies, errors, wall = asyncio.run(clients(url, served, count, requests, max_tokens))
    p50 = statistics.median(latencies)
    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) > 1 else p50
    return p50, p95, len(latencies) / wall, errors


def serve_run(model: str, args: argparse.Namespace, max_batch: int, counts: tuple[int, ...]) -> dict[int, tuple]:
    """Each client count's figures from one server; prints them and the server's peak RSS."""
    proc, url = start(model, max_batch, args.quant)
    try:
        served = httpx.get(f"{url}/models", timeout=30).json()["data"][0]["id"]
        asyncio.run(clients(url, served, 1, 1, args.max_tokens))  # warm-up: prefix cache, first-call costs
        figures = {}
        for count in counts:
            figures[count] = p50, p95, rate, errors = load(url, served, count, args.requests, args.max_tokens)
            line = f"p50 {p50 * 1e3:7.0f} ms  p95 {p95 * 1e3:7.0f} ms  {rate:6.2f} req/s"
            print(f"  --max-batch {max_batch}, {count:2d} clients: {line}  errors {errors}", flush=True)
        print(f"  server peak RSS {peak_rss(proc.pid):.2f} GiB")
        return figures
    finally:
        proc.kill()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny", help="tiny, bundled or a model directory")
    parser.add_argument("--requests", type=int, default=8, help="requests per client")
    parser.add_argument("--max-tokens", type=int, default=24)
    parser.add_argument("--max-batch", type=int, default=8, help="the server's --max-batch")
    parser.add_argument("--quant", default="fp32", choices=("fp32", "int8", "int4"))
    parser.add_argument("--no-baseline", action="store_true", help="skip the --max-batch 1 server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        model = tiny_model(Path(folder)) if args.model == "tiny" else args.model
        inproc = direct(model, args.requests, args.max_tokens, args.quant)
        print(f"model {args.model} ({args.quant}); {args.requests} requests per client, {args.max_tokens} tokens each")
        batched = serve_run(model, args, args.max_batch, (1, 4, 8, 16))
        single_p50, _, single_rate, _ = batched[1]
        print(f"8 clients: {batched[8][2] / single_rate:.2f}x the requests/s of 1 client (target >= 3x)")
        if not args.no_baseline:
            alone = serve_run(model, args, 1, (1, 8))
            print(f"1 client p50: {single_p50 * 1e3:.0f} ms vs {alone[1][0] * 1e3:.0f} ms at --max-batch 1")
            print(f"8 clients: {batched[8][2] / alone[8][2]:.2f}x the requests/s of the --max-batch 1 server")
        print(
            f"1 client: HTTP p50 {single_p50 * 1e3:.0f} ms vs in-process {inproc * 1e3:.0f} ms: "
            f"ratio {single_p50 / inproc:.2f}"
        )


if __name__ == "__main__":
    main()
