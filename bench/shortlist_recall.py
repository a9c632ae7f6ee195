"""Shortlist recall: is each task's expected tool among the k tools shortlisting shows the model?

Run: `.venv/bin/python bench/shortlist_recall.py [--generic-n 100] [--methods lexical,...] [--tokens]`.
Every bundled server is mounted besides each task's own (`--distractors all`, as in the chat). For
each task set, method and k it prints recall@k (tasks whose expected tools are all in the shortlist)
beside the no-shortlist baseline (100 %: every tool listed), and with `--tokens` the mean prompt
size (system + request + tool schemas, bundled tokenizer and template) with and without.
Sets: docs/results/heldout-test.jsonl, docs/results/everyday-12.jsonl, and `looptune tasks generate
--family generic --split test --n N` tasks (unseen synthetic toolsets).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import anyio

from agent.environments import fresh_environment
from agent.messages import SystemMessage, ToolSpec
from agent.prompts import system_prompt
from agent.shortlist import get_method, shortlist
from eval.suite import with_distractors
from eval.tasks import Task, load_tasks

ROOT = Path(__file__).resolve().parent.parent
KS = (3, 4, 5, 6, 8, 10)


def generic_tasks(n: int, folder: Path) -> Path:
    path = folder / "generic-test.jsonl"
    command = [sys.executable, "-m", "agent.cli.main", "tasks", "generate", "--family", "generic"]
    subprocess.run([*command, "--split", "test", "--n", str(n), "-o", str(path)], check=True, capture_output=True)
    return path


async def mounted_tools(tasks: list[Task]) -> dict[str, list[ToolSpec]]:
    """Each task's mounted tool list (its servers plus every bundled one), one hub per server set."""
    from mcp_servers import BUNDLED

    by_set: dict[tuple[str, ...], list[ToolSpec]] = {}
    out: dict[str, list[ToolSpec]] = {}
    for task in tasks:
        servers = tuple(with_distractors(task, "all", BUNDLED).servers)
        if servers not in by_set:
            async with fresh_environment(servers, on_notice=lambda *_: None) as hub:
                by_set[servers] = hub.specs()
        out[task.id] = by_set[servers]
    return out


def expected(task: Task) -> set[str]:
    return {use.name for use in task.plan or []}


def token_counter():
    from agent.toolcalls.template import choose, render
    from training.traces.tokens import load_tokenizer

    tokenizer = load_tokenizer("bundled")
    template, _ = choose(getattr(tokenizer, "chat_template", None))

    def count(task: Task, tools: list[ToolSpec]) -> int:
        messages = [SystemMessage(content=system_prompt(task.now)), *task.messages]
        return len(render(tokenizer, messages, tools, chat_template=template))

    return count


def measure(name: str, tasks: list[Task], tools: dict[str, list[ToolSpec]], methods: list[str], count) -> None:
    scored = [t for t in tasks if expected(t)]
    mounted = statistics.mean(len(tools[t.id]) for t in tasks)
    base = f"  tokens {statistics.mean(count(t, tools[t.id]) for t in tasks):.0f}" if count else ""
    print(f"\n{name}: {len(tasks)} tasks ({len(scored)} with expected tools), {mounted:.1f} tools mounted")
    print(f"  {'all tools':<12} recall 100.0 %{base}")
    for method_name in methods:
        method = get_method(method_name)
        for k in KS:
            lists = {t.id: shortlist(list(t.messages), tools[t.id], k, method) for t in tasks}
            hits = sum(expected(t) <= {s.name for s in lists[t.id]} for t in scored)
            size = f"  tokens {statistics.mean(count(t, lists[t.id]) for t in tasks):.0f}" if count else ""
            print(f"  {method_name:<8} k={k:<2} recall {100 * hits / len(scored):5.1f} %{size}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generic-n", type=int, default=100, help="generic test tasks to generate (0: none)")
    parser.add_argument("--methods", default="lexical", help="comma-separated shortlist methods")
    parser.add_argument("--tokens", action="store_true", help="also count prompt tokens (loads the tokenizer)")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the sandbox server logs its isolation once per hub
    methods = [m for m in args.methods.split(",") if m]
    count = token_counter() if args.tokens else None
    with tempfile.TemporaryDirectory() as folder:
        sets = {
            "heldout-test": ROOT / "docs/results/heldout-test.jsonl",
            "everyday-12": ROOT / "docs/results/everyday-12.jsonl",
        }
        if args.generic_n:
            sets[f"generic-test-{args.generic_n}"] = generic_tasks(args.generic_n, Path(folder))
        for name, path in sets.items():
            tasks = load_tasks(path)
            measure(name, tasks, await mounted_tools(tasks), methods, count)


if __name__ == "__main__":
    anyio.run(main)
