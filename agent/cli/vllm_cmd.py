"""`looptune vllm`: flags only; they become a typed `agent.serve.vllm.Plan`, composed there into the command and
launched by `agent.serve.launch`, both imported when the command runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from agent.cli.serve_cmd import named_path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "vllm",
        help="start vLLM with LoRA adapters, our chat template and tool parser (GPU machines)",
        description="Compose and run `vllm serve` for MODEL with --adapter NAME=PATH LoRA modules; "
        "arguments after -- go to vllm unchanged.",
    )
    parser.add_argument("--model", required=True, help="a Hugging Face id or model directory (bundled = SmolLM2-135M)")
    parser.add_argument("--adapter", action="append", default=[], type=named_path, metavar="NAME=PATH")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--dry-run", action="store_true", help="print the command and exit")
    parser.add_argument("--wait-s", type=float, default=900.0, help="how long to wait for /health (default 900)")
    parser.set_defaults(handler=vllm_command, accepts_command=True)


def vllm_command(args: argparse.Namespace) -> int:
    from agent.serve.launch import run_vllm
    from agent.serve.vllm import Plan

    adapters = [(name, Path(path)) for name, path in args.adapter]
    plan = Plan(args.model, adapters, args.host, args.port, list(args.server_command))  # after --: vllm's own
    return run_vllm(plan, dry_run=args.dry_run, wait_s=args.wait_s)
