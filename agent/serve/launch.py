"""Run `looptune vllm`: print or start the composed `vllm serve`, wait for `/health`, say how to use it.

The wait is bounded (`--wait-s`); vLLM's own output goes to the terminal.
Ctrl+C stops vLLM too. It knows nothing of how the command is composed.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

from agent.cli.errors import CliError
from agent.serve.vllm import Plan, command, shell_line

POLL_S = 2.0


def vllm_command(args: argparse.Namespace) -> int:
    """Print the command (--dry-run) or run vLLM until it exits or Ctrl+C."""
    plan = Plan(args.model, [(n, Path(p)) for n, p in args.adapter], args.host, args.port, list(args.server_command))
    argv = command(plan)  # a LaunchError or BackendError names the adapter or model (exit 2)
    if args.dry_run:
        print(shell_line(argv))
        return 0
    if shutil.which("vllm") is None:
        raise CliError("vllm is not installed here: pip install 'looptune[vllm]' on a CUDA machine", code=2)
    print(f"looptune vllm: {shell_line(argv)}", file=sys.stderr)
    proc = subprocess.Popen(argv)
    try:
        _wait_ready(proc, plan, args.wait_s)
        first = plan.adapters[0][0] if plan.adapters else argv[2]
        print(f"ready: {plan.base_url}")
        print(f"  looptune chat --backend openai --base-url {plan.base_url} --model {first}")
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(timeout=30)
        return 130


def _wait_ready(proc: subprocess.Popen, plan: Plan, wait_s: float) -> None:
    health = plan.base_url.removesuffix("/v1") + "/health"
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise CliError(f"vllm exited with code {proc.returncode} before it was ready", code=1)
        try:
            if httpx.get(health, timeout=POLL_S).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(POLL_S)
    proc.terminate()
    raise CliError(f"vllm was not ready at {health} after {wait_s:.0f} s", code=1)
