"""Run `looptune vllm`: print or start the composed `vllm serve`, wait for `/health`, say how to use it.

The wait is bounded (`wait_s`, the CLI's `--wait-s`); vLLM's own output goes
to the terminal. Ctrl+C stops vLLM too. It knows nothing of how the command
is composed, and no flags: the CLI (agent/cli/vllm_cmd.py) builds the `Plan`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import httpx

from agent.errors import LooptuneError
from agent.serve.vllm import LaunchError, Plan, command, shell_line

POLL_S = 2.0


class NotReady(LooptuneError, RuntimeError):
    """vLLM started but never answered /health: it exited, or the wait ran out (exit 1)."""


def run_vllm(plan: Plan, *, dry_run: bool = False, wait_s: float = 900.0) -> int:
    """Print the command (`dry_run`) or run vLLM until it exits or Ctrl+C, waiting up to `wait_s` for /health."""
    argv = command(plan)  # a LaunchError or BackendError names the adapter or model (exit 2)
    if dry_run:
        print(shell_line(argv))
        return 0
    if shutil.which("vllm") is None:
        raise LaunchError("vllm is not installed here: pip install 'looptune[vllm]' on a CUDA machine")
    print(f"looptune vllm: {shell_line(argv)}", file=sys.stderr)
    proc = subprocess.Popen(argv)
    try:
        _wait_ready(proc, plan, wait_s)
        first = plan.adapters[0][0] if plan.adapters else argv[2]
        print(f"ready: {plan.base_url}")
        print(f"  looptune chat --backend openai --base-url {plan.base_url} --model {first}")
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(timeout=30)
        return 130


def _wait_ready(proc: subprocess.Popen[bytes], plan: Plan, wait_s: float) -> None:
    health = plan.base_url.removesuffix("/v1") + "/health"
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise NotReady(f"vllm exited with code {proc.returncode} before it was ready")
        try:
            if httpx.get(health, timeout=POLL_S).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(POLL_S)
    proc.terminate()
    raise NotReady(f"vllm was not ready at {health} after {wait_s:.0f} s")
