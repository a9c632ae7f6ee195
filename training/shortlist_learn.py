"""Learn request-word -> tool-word associations from training tasks, for the `expanded` shortlister.

Run: `looptune tasks learn-shortlist --tasks train.jsonl [-o agent/shortlist/associations.json]`
with tasks from `looptune tasks generate --split train` (never the test split). Each task is mounted as
the chat mounts it (its servers plus every bundled one); for each request word r and word t of the
expected tools' text it counts how often t is in the expected tools when r is in the request,
against how often t is in any mounted tool. Pairs that are frequent (p(t|r) >= MIN_P) and specific
(lift >= MIN_LIFT) are kept, a few per request word: "yen" -> "currency", "remember" -> "add". The
result is a small JSON file; this module knows tasks and tool specs, nothing of the loop. It lives in
training/ because it reads eval's tasks: agent/ (where the shortlister uses the file) never imports eval.
It knows no flags: the CLI calls `learn_file`.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path

import anyio

from agent.messages import ToolSpec
from agent.shortlist.expanded import DATA
from agent.shortlist.select import conversation_query
from agent.shortlist.text import tool_fields, words

MIN_TASKS = 5  # a request word seen in fewer training tasks says nothing reliable
MIN_P = 0.3
MIN_LIFT = 3.0
PER_WORD = 4


def tool_words(spec: ToolSpec) -> set[str]:
    return {w for found in tool_fields(spec).values() for w in found}


def learn(samples: list[tuple[set[str], list[set[str]], set[str]]]) -> dict[str, list[tuple[str, float]]]:
    """(request words, each mounted tool's words, expected tools' words) per task -> associations."""
    seen: Counter[str] = Counter()
    together: Counter[tuple[str, str]] = Counter()
    background: Counter[str] = Counter()
    pairs = 0
    for request, mounted, wanted in samples:
        seen.update(request)
        together.update((r, t) for r in request for t in wanted)
        for found in mounted:
            background.update(found)
        pairs += len(mounted)
    out: dict[str, list[tuple[str, float]]] = {}
    for r, n in seen.items():
        if n < MIN_TASKS:
            continue
        kept = []
        for t in {t for (rr, t) in together if rr == r} - {r}:
            p = together[r, t] / n
            lift = p / (background[t] / pairs)
            if p >= MIN_P and lift >= MIN_LIFT:
                kept.append((t, round(p, 3)))
        if kept:
            out[r] = sorted(kept, key=lambda m: (-m[1], m[0]))[:PER_WORD]
    return out


async def samples_of(path: Path) -> list[tuple[set[str], list[set[str]], set[str]]]:
    from agent.environments import fresh_environment
    from eval.suite import with_distractors
    from eval.tasks import load_tasks
    from mcp_servers import BUNDLED

    by_set: dict[tuple[str, ...], list[ToolSpec]] = {}
    samples = []
    for task in load_tasks(path):
        expected = {use.name for use in task.plan or []}
        if not expected or task.meta.get("split") == "test":
            continue
        servers = tuple(with_distractors(task, "all", BUNDLED).servers)
        if servers not in by_set:
            async with fresh_environment(servers, on_notice=lambda *_: None) as hub:
                by_set[servers] = hub.specs()
        mounted = [tool_words(s) for s in by_set[servers]]
        wanted = set().union(*(tool_words(s) for s in by_set[servers] if s.name in expected))
        # The words the shortlister weighs fully: the latest user turn outside quotes (slot values say little).
        request = {w for part in conversation_query(task.messages) if part.weight == 1.0 for w in words(part.text)}
        samples.append((request, mounted, wanted))
    return samples


def learn_file(tasks: Path, output: Path = DATA) -> tuple[int, int]:
    """Learn from the training tasks in `tasks`, write the associations to `output`; returns (request words
    kept, training tasks read)."""
    logging.disable(logging.INFO)  # the sandbox server logs its isolation once per hub
    try:
        samples = anyio.run(samples_of, tasks)
    finally:
        logging.disable(logging.NOTSET)
    table = learn(samples)
    output.write_text(json.dumps(table, indent=0, sort_keys=True, separators=(",", ":")) + "\n")
    return len(table), len(samples)
